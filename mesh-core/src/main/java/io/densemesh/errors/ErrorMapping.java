package io.densemesh.errors;

import io.densemesh.runtime.error.CapacityExhaustedException;
import io.densemesh.runtime.error.ConflictException;
import io.densemesh.runtime.error.DeadlineExceededException;
import io.densemesh.runtime.error.InvalidInputException;
import io.densemesh.runtime.error.ModelLoadException;
import io.densemesh.runtime.error.ModelNotFoundException;
import io.densemesh.runtime.error.OverloadedException;
import io.densemesh.runtime.error.PayloadTooLargeException;
import io.densemesh.runtime.error.PermissionDeniedException;
import io.densemesh.runtime.error.PreconditionFailedException;
import io.densemesh.runtime.error.RequestTimeoutException;
import io.densemesh.runtime.error.TenantLimitException;
import io.densemesh.runtime.error.UnauthenticatedException;
import io.densemesh.runtime.error.UnavailableException;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Maps errors to what a client sees. The exception's type decides, never its message. Anything
 * that is not a DenseMesh error is an internal error; its message is passed on, its stack trace is
 * logged by the caller.
 */
public final class ErrorMapping {

  /** What a client must do to authenticate (RFC 6750), on every 401 / UNAUTHENTICATED answer. */
  public static final String BEARER_CHALLENGE = "Bearer realm=\"densemesh\"";

  /** gRPC trailer and HTTP header carrying how long to wait before retrying, in milliseconds. */
  public static final String RETRY_AFTER_MS = "retry-after-ms";

  private static final Metadata.Key<String> WWW_AUTHENTICATE =
      Metadata.Key.of("www-authenticate", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> RETRY_AFTER_MS_KEY =
      Metadata.Key.of(RETRY_AFTER_MS, Metadata.ASCII_STRING_MARSHALLER);

  private ErrorMapping() {}

  /** The gRPC error a client sees, trailers (challenge, retry hint; never null) included. */
  public static StatusRuntimeException grpcError(Throwable error) {
    if (error instanceof StatusRuntimeException sre) {
      return sre;
    }
    Metadata trailers = new Metadata();
    if (error instanceof UnauthenticatedException) {
      trailers.put(WWW_AUTHENTICATE, BEARER_CHALLENGE);
    } else if (error instanceof TenantLimitException limit && limit.retryAfter().isPresent()) {
      trailers.put(RETRY_AFTER_MS_KEY, Long.toString(limit.retryAfter().get().toMillis()));
    } else if (error instanceof OverloadedException overloaded) {
      trailers.put(RETRY_AFTER_MS_KEY, Long.toString(overloaded.retryAfter().toMillis()));
    }
    return grpcStatus(error).asRuntimeException(trailers);
  }

  /**
   * Extra response headers for an error on REST: {@code WWW-Authenticate} on 401, and on a
   * tenant limit or an overload {@code Retry-After} in whole seconds (rounded up) plus
   * {@value #RETRY_AFTER_MS}.
   */
  public static Map<String, String> httpHeaders(Throwable error) {
    Map<String, String> headers = new LinkedHashMap<>();
    if (error instanceof UnauthenticatedException) {
      headers.put("WWW-Authenticate", BEARER_CHALLENGE);
    } else if (error instanceof TenantLimitException limit && limit.retryAfter().isPresent()) {
      retryAfter(headers, limit.retryAfter().get().toMillis());
    } else if (error instanceof OverloadedException overloaded) {
      retryAfter(headers, overloaded.retryAfter().toMillis());
    }
    return headers;
  }

  private static void retryAfter(Map<String, String> headers, long millis) {
    headers.put("Retry-After", Long.toString(Math.max(1, (millis + 999) / 1000)));
    headers.put(RETRY_AFTER_MS, Long.toString(millis));
  }

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
    } else if (error instanceof DeadlineExceededException
        || error instanceof RequestTimeoutException) {
      return Status.DEADLINE_EXCEEDED;
    } else if (error instanceof UnauthenticatedException) {
      return Status.UNAUTHENTICATED;
    } else if (error instanceof PermissionDeniedException) {
      return Status.PERMISSION_DENIED;
    } else if (error instanceof TenantLimitException || error instanceof OverloadedException
        || error instanceof PayloadTooLargeException) {
      return Status.RESOURCE_EXHAUSTED;
    }
    return Status.INTERNAL;
  }

  /**
   * The HTTP status for an error on the REST binding: 400 for requests that cannot succeed as
   * sent (bad input, failed precondition, failed load), 401 unauthenticated, 403 role not
   * allowed, 404 unknown model, 408 a request body that went silent, 409 conflict, 413 a body
   * over the size limit, 429 a tenant over
   * its limits or a node over its admission limits, 503 when the node cannot serve now (model
   * memory full, shutting down), 504 deadline, 500 otherwise.
   */
  public static int httpStatus(Throwable error) {
    if (error instanceof TenantLimitException || error instanceof OverloadedException) {
      return 429;
    }
    if (error instanceof PayloadTooLargeException) {
      return 413;
    }
    if (error instanceof RequestTimeoutException) {
      return 408;
    }
    return switch (grpcStatus(error).getCode()) {
      case NOT_FOUND -> 404;
      case UNAUTHENTICATED -> 401;
      case PERMISSION_DENIED -> 403;
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
      case 408 -> Status.Code.DEADLINE_EXCEEDED;
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
