package io.densemesh.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real etcd server (Debian's {@code etcd-server}, 3.4) on free loopback ports with its own
 * data directory: started by tests, stopped (or killed, then restarted on the same data) by
 * them. The binary is looked up as {@code $ETCD_BIN}, then {@code etcd} on the PATH.
 */
public final class EtcdProcess implements AutoCloseable {

  private final Path dataDir;
  private final Path log;
  private final int clientPort;
  private final int peerPort;
  private Process process;

  public EtcdProcess(Path dir) {
    this.dataDir = dir.resolve("etcd-data");
    this.log = dir.resolve("etcd.log");
    this.clientPort = freePort();
    this.peerPort = freePort();
    start();
  }

  public String endpoint() {
    return "http://127.0.0.1:" + clientPort;
  }

  /** Starts etcd (again, on the same ports and data) and waits until it reports healthy. */
  public synchronized void start() {
    if (process != null && process.isAlive()) {
      return;
    }
    String bin = System.getenv().getOrDefault("ETCD_BIN", "etcd");
    String peer = "http://127.0.0.1:" + peerPort;
    try {
      Files.createDirectories(dataDir);
      process = new ProcessBuilder(List.of(bin, "--name", "test", "--data-dir",
          dataDir.toString(), "--listen-client-urls", endpoint(), "--advertise-client-urls",
          endpoint(), "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
          "--initial-cluster", "test=" + peer))
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start etcd ('" + bin + "'); install etcd-server "
          + "or set ETCD_BIN: " + e.getMessage(), e);
    }
    awaitHealthy();
  }

  private void awaitHealthy() {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("etcd exited with " + process.exitValue() + "; see "
            + log);
      }
      try {
        HttpResponse<String> r = http.send(
            HttpRequest.newBuilder(URI.create(endpoint() + "/health"))
                .timeout(Duration.ofSeconds(1)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200 && r.body().contains("true")) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      try {
        Thread.sleep(50); // polling a condition: etcd's health endpoint
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new IllegalStateException("etcd did not become healthy within 30 s; see " + log);
  }

  /** Stops etcd gracefully and waits for it to exit. */
  public synchronized void stop() {
    if (process != null) {
      process.destroy();
      waitExit();
    }
  }

  private void waitExit() {
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop();
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
