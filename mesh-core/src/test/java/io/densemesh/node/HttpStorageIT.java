package io.densemesh.node;

import static io.densemesh.node.NodeIT.C;
import static io.densemesh.node.NodeIT.F;
import static io.densemesh.node.NodeIT.assertLogits;
import static io.densemesh.node.NodeIT.rawRequest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.densemesh.api.mmesh.UnregisterModelRequest;
import io.densemesh.runtime.onnx.gen.SampleModels;
import io.densemesh.testing.TestNode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loads ONNX models over HTTP from the JDK's HTTP server on loopback through a real node; the
 * server also misbehaves on purpose (cut body, wrong MD5, stalled body) and counts requests.
 */
class HttpStorageIT {

  private static final float[] ROW = {1f, 2f, -0.5f, 0f};
  private static final byte[] MODEL = SampleModels.linearClassifier(21, F, C);

  /** The test server is on loopback, which a node refuses unless the operator lists it. */
  static final String ALLOW = "--storage-allow-hosts";
  static final String LOOPBACK = "127.0.0.1";
  static final String[] ALLOW_LOOPBACK = {ALLOW, LOOPBACK};

  @TempDir static Path dir;
  static HttpServer server;
  static ExecutorService serverThreads;
  static final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
  static final CountDownLatch releaseStall = new CountDownLatch(1);

  @BeforeAll
  static void start() throws Exception {
    serverThreads = Executors.newCachedThreadPool();
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(serverThreads);
    server.createContext("/", HttpStorageIT::serve);
    server.start();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    releaseStall.countDown();
    server.stop(0);
    serverThreads.shutdownNow();
    serverThreads.awaitTermination(10, TimeUnit.SECONDS);
  }

  private static void serve(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    requests.computeIfAbsent(exchange.getRequestURI().toString(), p -> new AtomicInteger())
        .incrementAndGet();
    try (exchange; OutputStream body = exchange.getResponseBody()) {
      switch (path) {
        case "/models/good.onnx" -> {
          exchange.getResponseHeaders().set("Content-MD5", md5Base64(MODEL));
          exchange.sendResponseHeaders(200, MODEL.length);
          body.write(MODEL);
        }
        case "/models/truncated.onnx" -> {
          exchange.sendResponseHeaders(200, MODEL.length); // announces it all, sends half
          body.write(MODEL, 0, MODEL.length / 2);
          body.flush();
          throw new IOException("connection cut on purpose");
        }
        case "/models/corrupt.onnx" -> {
          byte[] corrupt = MODEL.clone();
          corrupt[corrupt.length - 5] ^= 0x55;
          exchange.getResponseHeaders().set("Content-MD5", md5Base64(MODEL));
          exchange.sendResponseHeaders(200, corrupt.length);
          body.write(corrupt);
        }
        case "/models/stalled.onnx" -> {
          exchange.sendResponseHeaders(200, MODEL.length);
          body.write(MODEL, 0, 100);
          body.flush();
          releaseStall.await(60, TimeUnit.SECONDS);
        }
        default -> exchange.sendResponseHeaders(404, -1);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String md5Base64(byte[] bytes) {
    try {
      return Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  private static int served(String pathAndQuery) {
    return requests.getOrDefault(pathAndQuery, new AtomicInteger()).get();
  }

  private static void assertLoadFails(TestNode node, String model, String reason) {
    assertThatThrownBy(() -> node.inference.modelInfer(rawRequest(model, ROW)))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
          assertThat(e.getStatus().getDescription()).contains(reason);
        });
    assertThat(node.node.cache().isLoaded(model)).isFalse();
  }

  private static long cacheEntries(Path data) throws IOException {
    Path entries = data.resolve("artifacts/entries");
    try (Stream<Path> list = Files.list(entries)) {
      return list.count();
    }
  }

  @Test
  void loadsOverHttpAndReloadsFromTheDiskCacheWithoutARequest() {
    try (TestNode node = new TestNode(dir.resolve("good"), ALLOW_LOOPBACK)) {
      node.register("web", url("/models/good.onnx"), "");
      assertLogits(node.inference.modelInfer(rawRequest("web", ROW)), 21, ROW);
      assertThat(served("/models/good.onnx")).isEqualTo(1);

      node.mesh.unregisterModel(UnregisterModelRequest.newBuilder().setModelId("web").build());
      node.register("web-again", url("/models/good.onnx"), "");
      assertLogits(node.inference.modelInfer(rawRequest("web-again", ROW)), 21, ROW);
      assertThat(served("/models/good.onnx")).isEqualTo(1);
      assertThat(node.scrapeMetrics()).contains("densemesh_artifact_cache_hits_total 1.0");
    }
  }

  @Test
  void aCacheEntryTruncatedOnDiskIsFetchedAgainNotLoaded() throws IOException {
    Path data = dir.resolve("damaged-entry");
    String path = "/models/good.onnx?entry";
    try (TestNode node = new TestNode(data, ALLOW_LOOPBACK)) {
      node.register("web", url(path), "");
      assertLogits(node.inference.modelInfer(rawRequest("web", ROW)), 21, ROW);
    }
    Path cached;
    try (Stream<Path> files = Files.walk(data.resolve("artifacts/entries"))) {
      cached = files.filter(p -> p.toString().endsWith(".onnx")).findFirst().orElseThrow();
    }
    try (var file = new java.io.RandomAccessFile(cached.toFile(), "rw")) {
      file.setLength(MODEL.length / 3); // as a crash before the data reached the disk leaves it
    }
    try (TestNode restarted = new TestNode(data, ALLOW_LOOPBACK)) {
      assertLogits(restarted.inference.modelInfer(rawRequest("web", ROW)), 21, ROW);
      assertThat(served(path)).as("downloaded again").isEqualTo(2);
      assertThat(restarted.scrapeMetrics())
          .contains("densemesh_artifact_cache_damaged_total 1.0");
    }
  }

  @Test
  void aTruncatedDownloadNeverLoadsNorEntersTheCache() throws IOException {
    Path data = dir.resolve("cut");
    try (TestNode node = new TestNode(data, ALLOW_LOOPBACK)) {
      node.register("cut", url("/models/truncated.onnx"), "");
      assertLoadFails(node, "cut", "/models/truncated.onnx");
      assertThat(cacheEntries(data)).isZero();
      assertThat(node.scrapeMetrics())
          .contains("densemesh_artifact_downloads_total{result=\"failure\"} 1.0");
    }
  }

  @Test
  void aBodyNotMatchingItsContentMd5NeverLoads() throws IOException {
    Path data = dir.resolve("corrupt");
    try (TestNode node = new TestNode(data, ALLOW_LOOPBACK)) {
      node.register("corrupt", url("/models/corrupt.onnx"), "");
      assertLoadFails(node, "corrupt", "is corrupt: MD5");
      assertThat(cacheEntries(data)).isZero();
    }
  }

  @Test
  void aStalledDownloadFailsAtTheDownloadTimeout() throws IOException {
    Path data = dir.resolve("stalled");
    try (TestNode node = new TestNode(data, "--download-timeout", "1s", ALLOW, LOOPBACK)) {
      node.register("stalled", url("/models/stalled.onnx"), "");
      assertLoadFails(node, "stalled", "did not finish within PT1S");
      assertThat(cacheEntries(data)).isZero();
    }
  }

  @Test
  void aMissingUrlAndAnOversizedArtifactAreClearFailures() {
    try (TestNode node = new TestNode(dir.resolve("limits"), "--max-artifact-size", "100", ALLOW,
        LOOPBACK)) {
      node.register("missing", url("/models/none.onnx"), "");
      assertLoadFails(node, "missing", "does not exist (HTTP 404)");
      node.register("too-big", url("/models/good.onnx?big"), "");
      assertLoadFails(node, "too-big", "more than the largest artifact allowed");
    }
  }
}
