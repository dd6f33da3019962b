package io.densemesh.rest;

import io.densemesh.runtime.error.InvalidInputException;
import io.densemesh.runtime.error.OverloadedException;
import io.densemesh.runtime.error.PayloadTooLargeException;
import io.densemesh.runtime.error.RequestTimeoutException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads a request body on the event loop with two limits, so no body costs more than the node
 * allows and no silent client holds a request forever:
 * <ul>
 *   <li>size: a {@code Content-Length} over the limit is refused before a byte of the body is
 *   read (and before {@code 100 Continue}); a chunked body is refused as soon as what arrived
 *   passes the limit, and nothing more of it is kept ({@link PayloadTooLargeException}, 413);
 *   <li>silence: a body that sends nothing for the body timeout fails with
 *   {@link RequestTimeoutException} (408). One timer per body checks the time of the last chunk,
 *   so a fast body costs no timer work per chunk;
 *   <li>memory: every chunk kept is taken from one budget shared by all bodies being read or
 *   parsed; when it is spent the request fails with {@link OverloadedException} (429), so many
 *   large bodies at once cannot exhaust the heap. A body gives its bytes back when the
 *   {@link RequestBody} is closed (or at once when it fails).
 * </ul>
 * After either refusal the caller closes the connection: the rest of the body is never read.
 */
final class BodyReader {

  private final Vertx vertx;
  private final long maxBytes;
  private final long timeoutNanos;
  private final long budgetBytes;
  private final AtomicLong budget;

  /** @param budgetBytes bytes all bodies being read or parsed may hold together */
  BodyReader(Vertx vertx, long maxBytes, Duration timeout, long budgetBytes) {
    this.vertx = vertx;
    this.maxBytes = maxBytes;
    this.timeoutNanos = timeout.toNanos();
    this.budgetBytes = budgetBytes;
    this.budget = new AtomicLong(budgetBytes);
  }

  /** Bytes of the budget held by bodies now. */
  long held() {
    return budgetBytes - budget.get();
  }

  private boolean take(long bytes) {
    long left;
    do {
      left = budget.get();
      if (left < bytes) {
        return false;
      }
    } while (!budget.compareAndSet(left, left - bytes));
    return true;
  }

  /** Must be called on the request's event loop, before the request's body is handled. */
  Future<RequestBody> read(HttpServerRequest request) {
    String declared = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (declared != null) {
      long length;
      try {
        length = Long.parseLong(declared.trim());
      } catch (NumberFormatException e) {
        return Future.failedFuture(new InvalidInputException("Content-Length '" + declared
            + "' is not a number"));
      }
      if (length > maxBytes) {
        return Future.failedFuture(tooLarge("declares " + length + " bytes"));
      }
    }
    if ("100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT))) {
      request.response().writeContinue();
    }
    return new Reading(request).promise.future();
  }

  private PayloadTooLargeException tooLarge(String what) {
    return new PayloadTooLargeException("request body " + what + ", more than the limit of "
        + maxBytes + " bytes (--max-message-size)");
  }

  /** One body being read: its chunks so far, its size and when the last chunk came. */
  private final class Reading {
    final Promise<RequestBody> promise = Promise.promise();
    final List<Buffer> chunks = new ArrayList<>();
    long size;
    long taken;
    long lastChunk = System.nanoTime();
    long timer;

    Reading(HttpServerRequest request) {
      request.handler(chunk -> {
        if (done()) {
          return;
        }
        size += chunk.length();
        lastChunk = System.nanoTime();
        if (size > maxBytes) {
          request.pause();
          fail(tooLarge("is longer than " + maxBytes + " bytes"));
        } else if (!take(chunk.length())) {
          request.pause();
          fail(new OverloadedException("REST request bodies being read hold " + held()
              + " bytes, the limit (--rest-body-buffer); retry later", RestWorkers.RETRY_AFTER));
        } else {
          taken += chunk.length();
          chunks.add(chunk);
        }
      });
      request.endHandler(v -> {
        if (!done()) {
          vertx.cancelTimer(timer);
          long bytes = taken;
          if (!promise.tryComplete(new RequestBody(chunks, size, () -> budget.addAndGet(bytes)))) {
            budget.addAndGet(bytes);
          }
        }
      });
      request.exceptionHandler(e -> fail(new InvalidInputException(
          "cannot read request body: " + e.getMessage())));
      arm(timeoutNanos);
    }

    private boolean done() {
      return promise.future().isComplete();
    }

    private void arm(long nanos) {
      timer = vertx.setTimer(Math.max(1, nanos / 1_000_000), id -> {
        if (done()) {
          return;
        }
        long silent = System.nanoTime() - lastChunk;
        if (silent >= timeoutNanos) {
          fail(new RequestTimeoutException("request body sent nothing for "
              + Duration.ofNanos(silent).toMillis() + " ms (--rest-body-timeout)"));
        } else {
          arm(timeoutNanos - silent);
        }
      });
    }

    private void fail(RuntimeException error) {
      vertx.cancelTimer(timer);
      chunks.clear();
      budget.addAndGet(taken);
      taken = 0;
      promise.tryFail(error);
    }
  }
}
