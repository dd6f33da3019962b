package io.densemesh.runtime.error;

/** A model could not be loaded; the message carries the runtime's reason. */
public final class ModelLoadException extends MeshException {

  private static final long serialVersionUID = 1L;

  public ModelLoadException(String message) {
    super(message);
  }

  public ModelLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
