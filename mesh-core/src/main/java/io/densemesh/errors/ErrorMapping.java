package io.densemesh.errors;

import io.densemesh.runtime.error.CapacityExhaustedException;
import io.densemesh.runtime.error.ConflictException;
import io.densemesh.runtime.error.DeadlineExceededException;
import io.densemesh.runtime.error.InvalidInputException;
import io.densemesh.runtime.error.ModelLoadException;
import io.densemesh.runtime.error.ModelNotFoundException;
import io.densemesh.runtime.error.PreconditionFailedException;
import io.densemesh.runtime.error.UnavailableException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * Maps errors to what a client sees. The exception's type decides, never its message. Anything
 * that is not a DenseMesh error is an internal error; its message is passed on, its stack trace is
 * logged by the caller.
 */
public final class ErrorMapping {

  private ErrorMapping() {}

  /** The gRPC status for an error, carrying its message. */
  public static Status grpcStatus(Throwable error) {
    if (error instanceof StatusRuntimeException sre) {
      return sre.getStatus();
    }
    return code(error).withDescription(message(error));
  }

  private static Status code(Throwable error) {
    if (error instanceof ModelNotFoundException) {
      return Status.NOT_FOUND;
    } else if (error instanceof InvalidInputException) {
      return Status.INVALID_ARGUMENT;
    } else if (error instanceof ModelLoadException || error instanceof PreconditionFailedException) {
      return Status.FAILED_PRECONDITION;
    } else if (error instanceof CapacityExhaustedException) {
      return Status.RESOURCE_EXHAUSTED;
    } else if (error instanceof ConflictException) {
      return Status.ALREADY_EXISTS;
    } else if (error instanceof UnavailableException) {
      return Status.UNAVAILABLE;
    } else if (error instanceof DeadlineExceededException) {
      return Status.DEADLINE_EXCEEDED;
    }
    return Status.INTERNAL;
  }

  /**
   * The HTTP status for an error on the REST binding: 400 for requests that cannot succeed as
   * sent (bad input, failed precondition, failed load), 404 unknown model, 409 conflict, 503 when
   * the node cannot serve now (overload, shutting down), 504 deadline, 500 otherwise.
   */
  public static int httpStatus(Throwable error) {
    return switch (grpcStatus(error).getCode()) {
      case NOT_FOUND -> 404;
      case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> 400;
      case ALREADY_EXISTS -> 409;
      case RESOURCE_EXHAUSTED, UNAVAILABLE -> 503;
      case DEADLINE_EXCEEDED -> 504;
      default -> 500;
    };
  }

  /**
   * The gRPC code an HTTP status stands for, so metrics speak one status vocabulary whatever
   * the protocol: the inverse of {@link #httpStatus} (2xx is OK; other codes by their meaning).
   */
  public static Status.Code grpcCode(int httpStatus) {
    if (httpStatus >= 200 && httpStatus < 300) {
      return Status.Code.OK;
    }
    return switch (httpStatus) {
      case 400, 422 -> Status.Code.INVALID_ARGUMENT;
      case 401 -> Status.Code.UNAUTHENTICATED;
      case 403 -> Status.Code.PERMISSION_DENIED;
      case 404 -> Status.Code.NOT_FOUND;
      case 405, 501 -> Status.Code.UNIMPLEMENTED;
      case 409 -> Status.Code.ALREADY_EXISTS;
      case 412 -> Status.Code.FAILED_PRECONDITION;
      case 413, 429 -> Status.Code.RESOURCE_EXHAUSTED;
      case 499 -> Status.Code.CANCELLED;
      case 503 -> Status.Code.UNAVAILABLE;
      case 504 -> Status.Code.DEADLINE_EXCEEDED;
      default -> Status.Code.INTERNAL;
    };
  }

  /** Whether the error is the server's fault (worth a stack trace in the log). */
  public static boolean internal(Throwable error) {
    return code(error).getCode() == Status.Code.INTERNAL
        && !(error instanceof StatusRuntimeException);
  }

  private static String message(Throwable error) {
    String m = error.getMessage();
    return m == null || m.isEmpty() ? error.getClass().getSimpleName() : m;
  }
}
