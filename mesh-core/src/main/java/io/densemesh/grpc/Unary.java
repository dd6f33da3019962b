package io.densemesh.grpc;

import io.densemesh.errors.ErrorMapping;
import io.densemesh.errors.FatalErrors;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a unary handler and maps what it throws through {@link ErrorMapping}; a JVM {@link Error}
 * ends the process ({@link FatalErrors}) instead of becoming an INTERNAL answer.
 */
public final class Unary {

  private static final Logger log = LoggerFactory.getLogger(Unary.class);

  private Unary() {}

  public static <T> void run(StreamObserver<T> observer, Supplier<T> handler) {
    T response;
    try {
      response = handler.get();
    } catch (RuntimeException e) {
      if (ErrorMapping.internal(e)) {
        log.error("internal error", e);
      }
      observer.onError(ErrorMapping.grpcError(e));
      return;
    } catch (Error e) {
      FatalErrors.exit(e);
      throw e; // reached only where a test replaced the exit
    }
    observer.onNext(response);
    observer.onCompleted();
  }

  /** The caller's remaining deadline, or null when it set none. */
  public static Duration remaining() {
    Deadline deadline = Context.current().getDeadline();
    return deadline == null ? null
        : Duration.ofNanos(Math.max(1, deadline.timeRemaining(TimeUnit.NANOSECONDS)));
  }
}
