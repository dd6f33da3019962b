package io.densemesh.rest;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.impl.ConnectionBase;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Closes connections that stop sending while no request of theirs is in progress: one that
 * opens and sends nothing, one that sends part of a request line or headers and then waits
 * (slow-loris), and a kept-alive connection idle between requests. A connection with a request
 * in progress (a body being read, inference running, however long) is never cut by this; the
 * body has its own silence limit ({@link BodyReader}).
 *
 * <p>Mechanism: Vert.x's read-idle timeout ({@link #configure}) installs Netty's
 * {@link IdleStateHandler} (named {@value #IDLE}) on every accepted channel, before any byte is
 * read, and closes the connection when it fires. Vert.x applies it whatever the connection is
 * doing, so at a connection's first request this replaces it, once, with one that stays silent
 * while the connection has requests in progress (after the last response, the next silence of
 * the timeout closes it). Vert.x offers no public hook on a
 * connection before its first request's headers are parsed, so this reaches the channel through
 * {@code ConnectionBase} (Vert.x internals, pinned by the BOM and covered by RestHardeningIT).
 * The timeout is one of silence, not a total deadline: a client trickling a byte at a time just
 * under it stays open, bounded by Netty's header size limits (4 KiB request line, 8 KiB of
 * headers), and holds no thread while it does.
 */
final class HeaderDeadlines {

  static final String IDLE = "idle";
  private static final AttributeKey<AtomicInteger> ACTIVE = AttributeKey.valueOf("densemesh-rest-active");

  private final long timeoutMillis;

  HeaderDeadlines(Duration timeout) {
    this.timeoutMillis = Math.max(1, timeout.toMillis());
  }

  /** The server options that install the per-connection silence timer. */
  HttpServerOptions configure(HttpServerOptions options) {
    return options.setReadIdleTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMillis))
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
  }

  /**
   * A request's headers arrived (on its connection's event loop): its connection is exempt
   * until the request's response ends or fails.
   */
  void started(HttpServerRequest request) {
    Channel channel = channel(request.connection());
    if (channel == null) {
      return;
    }
    AtomicInteger active = channel.attr(ACTIVE).setIfAbsent(new AtomicInteger());
    if (active == null) {
      // The connection's first request: Vert.x's idle handler gives way, once, to one that
      // knows about requests in progress (replacing it at every request grew the pipeline).
      active = channel.attr(ACTIVE).get();
      if (channel.pipeline().get(IDLE) != null) {
        channel.pipeline().replace(IDLE, IDLE, new RequestAwareIdle(active, timeoutMillis));
      }
    }
    AtomicInteger count = active;
    count.incrementAndGet();
    boolean[] finished = {false};
    Runnable finish = () -> {
      if (!finished[0]) {
        finished[0] = true;
        count.decrementAndGet();
      }
    };
    request.response().endHandler(v -> finish.run());
    request.response().closeHandler(v -> finish.run());
  }

  /**
   * Netty's read-idle timer that stays silent while the connection has a request in progress:
   * the count of requests in progress is read on the event loop when the timer fires.
   */
  private static final class RequestAwareIdle extends IdleStateHandler {
    private final AtomicInteger active;

    RequestAwareIdle(AtomicInteger active, long timeoutMillis) {
      super(timeoutMillis, 0, 0, TimeUnit.MILLISECONDS);
      this.active = active;
    }

    @Override
    protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent event)
        throws Exception {
      if (active.get() == 0) {
        super.channelIdle(ctx, event);
      }
    }
  }

  private static Channel channel(HttpConnection connection) {
    return connection instanceof ConnectionBase base ? base.channel() : null;
  }
}
