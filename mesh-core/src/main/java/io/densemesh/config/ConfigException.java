package io.densemesh.config;

/** A configuration value is missing, malformed or out of range; the message is one line. */
public final class ConfigException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
