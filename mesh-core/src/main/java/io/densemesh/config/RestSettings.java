package io.densemesh.config;

import java.time.Duration;

/**
 * The REST server's own limits (the body size limit is {@code --max-message-size}, shared with
 * gRPC); see {@code io.densemesh.rest.RestServer}.
 *
 * @param headerTimeout how long a connection may stay silent while none of its requests is in
 *     progress (opened and sending nothing, stopped part-way through a request line or headers,
 *     or kept alive between requests); past it the connection is closed
 * @param bodyTimeout how long a request body may go without sending a byte before the request
 *     is answered 408 and its connection closed
 * @param threads threads that run requests (inference, metadata, model readiness); 0 picks
 *     {@code max(8, 4 x cores)}. Health probes never use them.
 * @param queue requests admitted beyond busy threads; past it a request is answered 429 at once
 * @param bodyBuffer bytes all REST request bodies being read or parsed may hold together; past
 *     it a request is answered 429. 0 picks a quarter of the heap (at least the body limit)
 */
public record RestSettings(Duration headerTimeout, Duration bodyTimeout, int threads,
    int queue, long bodyBuffer) {

  /** Defaults: 10 s of silence outside a request, 30 s of body silence, automatic threads, a
   * queue of 256, a quarter of the heap for bodies. */
  public static final RestSettings DEFAULT =
      new RestSettings(Duration.ofSeconds(10), Duration.ofSeconds(30), 0, 256, 0);

  public RestSettings {
    require(headerTimeout != null && headerTimeout.toMillis() >= 1,
        "--rest-header-timeout must be at least 1ms");
    require(bodyTimeout != null && bodyTimeout.toMillis() >= 1,
        "--rest-body-timeout must be at least 1ms");
    require(threads >= 0 && threads <= 4096, "--rest-threads must be 0..4096, got " + threads);
    require(queue >= 0 && queue <= 1_000_000, "--rest-queue must be 0..1000000, got " + queue);
    require(bodyBuffer >= 0, "--rest-body-buffer must be >= 0, got " + bodyBuffer);
  }

  /**
   * The body budget in effect: {@link #bodyBuffer}, or for 0 a quarter of the heap; never less
   * than one body of {@code maxBodyBytes}.
   */
  public long effectiveBodyBuffer(long maxBodyBytes) {
    long wanted = bodyBuffer > 0 ? bodyBuffer : Runtime.getRuntime().maxMemory() / 4;
    return Math.max(wanted, maxBodyBytes);
  }

  /** The thread count in effect: {@link #threads}, or {@code max(8, 4 x cores)} for 0. */
  public int effectiveThreads() {
    return threads > 0 ? threads : Math.max(8, 4 * Runtime.getRuntime().availableProcessors());
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new ConfigException(message);
    }
  }
}
