package io.densemesh.operator.health;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * Plain-HTTP probe endpoint of the operator: {@code GET /livez} answers 200 while the process
 * runs; {@code GET /readyz} answers 200 once the operator watches its namespace (informers synced
 * and still watching), else 503. Anything else is 404, a method other than GET or HEAD 405.
 * One thread: the kubelet probes a few times a minute, and requests are served in order.
 */
public final class HealthServer implements AutoCloseable {

  private final HttpServer server;
  private final ExecutorService executor;

  private HealthServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Binds {@code address} and starts serving.
   *
   * @param ready whether the operator is ready (checked on every {@code /readyz})
   * @throws UncheckedIOException when the address cannot be bound
   */
  public static HealthServer start(InetSocketAddress address, BooleanSupplier ready) {
    Objects.requireNonNull(ready, "ready");
    HttpServer server;
    try {
      server = HttpServer.create(address, 16);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot bind the health endpoint to " + address, e);
    }
    ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "health");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", exchange -> answer(exchange, ready));
    server.start();
    return new HealthServer(server, executor);
  }

  private static void answer(HttpExchange exchange, BooleanSupplier ready) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        send(exchange, 405, "method not allowed\n");
        return;
      }
      switch (exchange.getRequestURI().getPath()) {
        case "/livez" -> send(exchange, 200, "ok\n");
        case "/readyz" -> {
          boolean isReady;
          try {
            isReady = ready.getAsBoolean();
          } catch (RuntimeException e) {
            isReady = false;
          }
          send(exchange, isReady ? 200 : 503, isReady ? "ok\n" : "not watching yet\n");
        }
        default -> send(exchange, 404, "not found\n");
      }
    }
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  /** The bound port (useful with port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
