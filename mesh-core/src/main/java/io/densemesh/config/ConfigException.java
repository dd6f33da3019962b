package io.densemesh.config;

/**
 * A configuration value is missing, malformed or out of range; the message is one line. An
 * {@link IllegalArgumentException}, so every command reports it as bad usage (exit code 2).
 */
public final class ConfigException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
