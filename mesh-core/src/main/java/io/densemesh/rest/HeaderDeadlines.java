package io.densemesh.rest;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Closes connections that do not deliver a request's line and headers in time: from when the
 * connection opens, and on a kept-alive connection from when its last response ended, a request's
 * headers must be complete within the header timeout. A connection with a request in progress
 * (a body being read, inference running) is never closed by this, however long that takes; the
 * body has its own timeout ({@link BodyReader}).
 *
 * <p>Vert.x's own idle timeouts close a connection whatever it is doing (an inference that
 * outlasts them would be cut), so this keeps its own per-connection timer. Each connection's
 * events (open, request, response end, timer) run on that connection's event loop, so its
 * {@link Watch} needs no locking; the map holds one entry per open connection and loses it when
 * the connection closes.
 */
final class HeaderDeadlines {

  private final Vertx vertx;
  private final long timeoutMillis;
  private final Map<HttpConnection, Watch> open = new ConcurrentHashMap<>();

  HeaderDeadlines(Vertx vertx, Duration timeout) {
    this.vertx = vertx;
    this.timeoutMillis = Math.max(1, timeout.toMillis());
  }

  /** A new connection: its first request's headers are due within the timeout. */
  void opened(HttpConnection connection) {
    Watch watch = new Watch(connection);
    open.put(connection, watch);
    connection.closeHandler(v -> {
      Watch gone = open.remove(connection);
      if (gone != null) {
        gone.cancel();
      }
    });
    watch.arm();
  }

  /** A request's headers arrived: its connection is busy until the response ends. */
  void started(HttpServerRequest request) {
    Watch watch = open.get(request.connection());
    if (watch == null) {
      return;
    }
    watch.started();
    boolean[] finished = {false};
    Runnable finish = () -> {
      if (!finished[0]) {
        finished[0] = true;
        watch.finished();
      }
    };
    request.response().endHandler(v -> finish.run());
    request.response().closeHandler(v -> finish.run());
  }

  /** Connections open now (for tests and metrics). */
  int openConnections() {
    return open.size();
  }

  /** One connection's requests in progress and its header timer. */
  private final class Watch {
    private final HttpConnection connection;
    private int active;
    private long generation;
    private long timer = -1;

    Watch(HttpConnection connection) {
      this.connection = connection;
    }

    void started() {
      active++;
      generation++;
      cancel();
    }

    void finished() {
      if (active > 0 && --active == 0) {
        arm();
      }
    }

    void arm() {
      cancel();
      long armedAt = generation;
      timer = vertx.setTimer(timeoutMillis, id -> {
        if (active == 0 && generation == armedAt) {
          connection.close();
        }
      });
    }

    void cancel() {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
    }
  }
}
