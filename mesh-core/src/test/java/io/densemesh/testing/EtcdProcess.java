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
  private final int metricsPort;
  private final TestPki.Issued tls;
  private final Path dir;
  private Process process;

  public EtcdProcess(Path dir) {
    this(dir, null);
  }

  /**
   * An etcd serving clients over TLS only ({@code --cert-file}, {@code --key-file},
   * {@code --trusted-ca-file}, {@code --client-cert-auth}) with JWT auth tokens
   * ({@code --auth-token jwt,...}); {@link #enableAuth} adds users and turns auth on.
   */
  public static EtcdProcess secure(Path dir, TestPki.Issued server) {
    return new EtcdProcess(dir, server);
  }

  private EtcdProcess(Path dir, TestPki.Issued tls) {
    this.dir = dir;
    this.tls = tls;
    this.dataDir = dir.resolve("etcd-data");
    this.log = dir.resolve("etcd.log");
    this.clientPort = freePort();
    this.peerPort = freePort();
    this.metricsPort = freePort();
    start();
  }

  public String endpoint() {
    return (tls == null ? "http" : "https") + "://127.0.0.1:" + clientPort;
  }

  /**
   * Adds {@code root} and a user that may read and write under {@code prefix} only, then turns
   * on authentication, all with etcdctl over TLS presenting {@code admin}'s certificate.
   */
  public void enableAuth(TestPki.Issued admin, String user, String password, String prefix) {
    String rootPassword = "root-" + password;
    etcdctl(admin, "user", "add", "root:" + rootPassword);
    etcdctl(admin, "user", "add", user + ":" + password);
    etcdctl(admin, "role", "add", "mesh");
    etcdctl(admin, "role", "grant-permission", "mesh", "--prefix=true", "readwrite", prefix);
    etcdctl(admin, "user", "grant-role", user, "mesh");
    etcdctl(admin, "auth", "enable");
  }

  private void etcdctl(TestPki.Issued client, String... command) {
    List<String> args = new java.util.ArrayList<>(List.of(
        System.getenv().getOrDefault("ETCDCTL_BIN", "etcdctl"), "--endpoints", endpoint(),
        "--cacert", client.ca().toString(), "--cert", client.cert().toString(), "--key",
        client.key().toString()));
    args.addAll(List.of(command));
    try {
      Process p = new ProcessBuilder(args).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("etcdctl.log").toFile()))
          .start();
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("etcdctl " + String.join(" ", command)
            + " failed; see " + dir.resolve("etcdctl.log"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private List<String> securityArgs() {
    if (tls == null) {
      return List.of();
    }
    Path jwtKey = dir.resolve("jwt.key");
    Path jwtPub = dir.resolve("jwt.pub");
    if (!Files.exists(jwtKey)) {
      TestPki.writeRsaKeyPair(jwtKey, jwtPub);
    }
    return List.of("--cert-file", tls.cert().toString(), "--key-file", tls.key().toString(),
        "--trusted-ca-file", tls.ca().toString(), "--client-cert-auth",
        "--auth-token", "jwt,pub-key=" + jwtPub + ",priv-key=" + jwtKey
            + ",sign-method=RS256,ttl=10m");
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
      List<String> args = new java.util.ArrayList<>(List.of(bin, "--name", "test", "--data-dir",
          dataDir.toString(), "--listen-client-urls", endpoint(), "--advertise-client-urls",
          endpoint(), "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
          "--initial-cluster", "test=" + peer, "--listen-metrics-urls",
          "http://127.0.0.1:" + metricsPort));
      args.addAll(securityArgs());
      process = new ProcessBuilder(args)
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
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/health"))
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
