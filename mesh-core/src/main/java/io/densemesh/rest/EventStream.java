package io.densemesh.rest;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * A server-sent event stream ({@code text/event-stream; charset=utf-8}) written from a REST
 * request thread: each event is {@code data: <json>\n\n}; the 200 status and headers go out with
 * the first event (so a failure before it can still be a plain JSON error with its own status).
 *
 * <p>Flow control: after each event, while the connection's write queue is full (the client
 * reads slower than events are made), the request thread waits for it to drain before making
 * the next event, so a stream never holds more than about one write queue of unsent events. A
 * client that takes nothing for the silence limit, or goes away, ends the stream: the
 * connection (HTTP/1) or stream (HTTP/2) is reset and {@link #send} answers false, so the
 * caller stops working for it.
 */
final class EventStream {

  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
  /** How often a wait for drain looks whether the client went away. */
  private static final long CHECK_MILLIS = 200;

  private final HttpServerResponse response;
  private final HttpVersion version;
  private final Duration silence;
  private final Supplier<Map<String, String>> headers;
  private boolean started;
  private boolean gone;

  /**
   * @param silence how long a full write queue may stay full before the client counts as gone
   * @param headers extra headers for the first event (asked for when it is sent)
   */
  EventStream(HttpServerResponse response, HttpVersion version, Duration silence,
      Supplier<Map<String, String>> headers) {
    this.response = response;
    this.version = version;
    this.silence = silence;
    this.headers = headers;
  }

  /** Whether the status and headers went out (errors now travel as events). */
  boolean started() {
    return started;
  }

  /**
   * Sends one event, starting the stream if this is the first; then waits while the client
   * lags (bounded by the silence limit).
   *
   * @return false when the client is gone (nothing more should be made for it)
   */
  boolean send(byte[] json) {
    if (gone || response.closed()) {
      gone = true;
      return false;
    }
    start();
    Buffer event = Buffer.buffer(DATA.length + json.length + END.length)
        .appendBytes(DATA).appendBytes(json).appendBytes(END);
    try {
      response.write(event);
    } catch (IllegalStateException closed) {
      gone = true;
      return false;
    }
    return awaitDrain();
  }

  /** Ends the stream (starting it if no event was sent). */
  void end() {
    if (gone || response.closed()) {
      return;
    }
    start();
    try {
      response.end();
    } catch (IllegalStateException closed) {
      gone = true;
    }
  }

  private void start() {
    if (started) {
      return;
    }
    started = true;
    response.setStatusCode(200);
    response.putHeader("Content-Type", "text/event-stream; charset=utf-8");
    response.putHeader("Cache-Control", "no-cache");
    headers.get().forEach(response::putHeader);
    if (version != HttpVersion.HTTP_2) {
      response.setChunked(true);
    }
  }

  private boolean awaitDrain() {
    if (!response.writeQueueFull()) {
      return true;
    }
    CompletableFuture<Void> drained = new CompletableFuture<>();
    response.drainHandler(v -> drained.complete(null));
    long deadline = System.nanoTime() + silence.toNanos();
    try {
      while (response.writeQueueFull()) {
        if (response.closed()) {
          gone = true;
          return false;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          gone = true;
          response.reset(); // the client stopped reading: free the connection or stream
          return false;
        }
        try {
          drained.get(Math.min(CHECK_MILLIS, TimeUnit.NANOSECONDS.toMillis(left) + 1),
              TimeUnit.MILLISECONDS);
        } catch (TimeoutException stillFull) {
          // look again: closed, past the limit, or drained without the handler seen yet
        } catch (ExecutionException impossible) {
          throw new IllegalStateException(impossible);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          gone = true;
          response.reset();
          return false;
        }
      }
      return true;
    } finally {
      response.drainHandler(null);
    }
  }
}
