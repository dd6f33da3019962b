package io.densemesh.operator.resource;

/**
 * A custom resource's content cannot be used as it is: a wrong type, a missing required field or
 * a value out of range. The message names the field path; the reason is a CamelCase word for
 * the resource's status (e.g. {@code InvalidPredictorSpec}).
 */
public final class InvalidResourceException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String reason;

  public InvalidResourceException(String reason, String message) {
    super(message);
    this.reason = reason;
  }

  public String reason() {
    return reason;
  }
}
