package io.densemesh.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.ModelStatusInfo;
import io.densemesh.api.mmesh.ModelStatusInfo.ModelStatus;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.testing.Inference;
import io.densemesh.testing.TestNode;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every forbidden model source, registered through a real node over gRPC: paths outside the
 * model roots (existing or not: the same answer), {@code ..}, symlinks out of a root, a pipe,
 * loopback HTTP servers that are not allow-listed (directly and by redirect), a store's error
 * body, and {@code storage_params} that try to redirect an entry's credentials. Only loopback
 * is ever contacted.
 */
class ModelSourcesIT {

  @TempDir static Path dir;
  static Path root;
  static Path outside;
  static HttpServer server;
  static final AtomicInteger hits = new AtomicInteger();
  static TestNode node;
  static TestNode allowsLoopback;

  @BeforeAll
  static void start() throws Exception {
    root = Files.createDirectories(dir.resolve("roots/models"));
    outside = Files.createDirectories(dir.resolve("outside"));
    Inference.writeModel(root, 1);
    Files.copy(Inference.writeModel(outside, 2), outside.resolve("secret.onnx"));
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    byte[] model = Files.readAllBytes(root.resolve("model-1.onnx"));
    server.createContext("/", exchange -> {
      hits.incrementAndGet();
      try (exchange; OutputStream body = exchange.getResponseBody()) {
        switch (exchange.getRequestURI().getPath()) {
          case "/m.onnx" -> {
            exchange.sendResponseHeaders(200, model.length);
            body.write(model);
          }
          case "/to-localhost" -> {
            exchange.getResponseHeaders().set("Location", "http://localhost:"
                + server.getAddress().getPort() + "/m.onnx");
            exchange.sendResponseHeaders(302, -1);
          }
          default -> {
            byte[] secret = "INTERNAL-STORE-DETAIL token=abc123".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(500, secret.length);
            body.write(secret);
          }
        }
      }
    });
    server.start();
    node = new TestNode(dir.resolve("roots/registry"), "--model-roots", root.toString());
    allowsLoopback = new TestNode(dir.resolve("roots/registry-2"), "--model-roots",
        root.toString(), "--storage-allow-hosts", "127.0.0.1", "--instance-id", "allows");
  }

  @AfterAll
  static void stop() {
    node.close();
    allowsLoopback.close();
    server.stop(0);
  }

  static ModelStatusInfo register(TestNode on, String id, String path, String key) {
    return on.mesh.registerModel(RegisterModelRequest.newBuilder().setModelId(id)
        .setModelInfo(ModelInfo.newBuilder().setType("onnx").setPath(path).setKey(key))
        .setLoadNow(true).setSync(true).build());
  }

  static String failure(TestNode on, String id, String path, String key) {
    ModelStatusInfo status = register(on, id, path, key);
    assertThat(status.getStatus()).as(path).isEqualTo(ModelStatus.LOADING_FAILED);
    return String.join(" | ", status.getErrorsList());
  }

  static String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  @Test
  void aModelUnderTheRootLoads() {
    assertThat(register(node, "inside", root.resolve("model-1.onnx").toString(), "")
        .getStatus()).isEqualTo(ModelStatus.LOADED);
  }

  @Test
  void pathsOutsideTheRootsGetOneAnswerWhetherOrNotTheyExist() {
    String passwd = failure(node, "passwd", "/etc/passwd", "");
    String existing = failure(node, "secret", outside.resolve("secret.onnx").toString(), "");
    String missing = failure(node, "missing", outside.resolve("none.onnx").toString(), "");
    assertThat(passwd).contains("is not under an allowed model root")
        .doesNotContain("exist").doesNotContain("Protobuf");
    assertThat(existing.replace("secret.onnx", "X"))
        .isEqualTo(missing.replace("none.onnx", "X"));
    assertThat(failure(node, "file-uri", "file:///etc/shadow", ""))
        .contains("is not under an allowed model root");
  }

  @Test
  void dotDotSymlinksOutAndPipesAreRefused() throws Exception {
    assertThat(failure(node, "dots", root + "/../outside/secret.onnx", ""))
        .contains("must not contain '..'");
    Path link = Files.createSymbolicLink(root.resolve("escape.onnx"),
        outside.resolve("secret.onnx"));
    assertThat(failure(node, "link", link.toString(), ""))
        .contains("is not under an allowed model root");
    Path device = Files.createSymbolicLink(root.resolve("zero.onnx"), Path.of("/dev/zero"));
    assertThat(failure(node, "device", device.toString(), ""))
        .contains("is not under an allowed model root");
    Path fifo = root.resolve("pipe.onnx");
    assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
    assertThat(failure(node, "pipe", fifo.toString(), ""))
        .contains("not made of regular files and directories");
  }

  @Test
  void aLoopbackServerNotOnTheAllowListIsNeverContacted() {
    int before = hits.get();
    assertThat(failure(node, "web", url("/m.onnx"), ""))
        .contains("http(s) model sources are not allowed on this node");
    assertThat(hits.get()).isEqualTo(before);
    assertThat(register(allowsLoopback, "web", url("/m.onnx"), "").getStatus())
        .isEqualTo(ModelStatus.LOADED);
  }

  @Test
  void aRedirectToAHostThatIsNotListedIsRefused() {
    int before = hits.get();
    assertThat(failure(allowsLoopback, "redirected", url("/to-localhost"), ""))
        .contains("host 'localhost'").contains("is not in the storage allow-list");
    assertThat(hits.get()).as("only the redirecting request").isEqualTo(before + 1);
  }

  @Test
  void aStoresErrorBodyIsNotEchoed() {
    String error = failure(allowsLoopback, "broken", url("/broken.onnx"), "");
    assertThat(error).contains("HTTP 500").doesNotContain("INTERNAL-STORE-DETAIL")
        .doesNotContain("abc123");
    assertThat(allowsLoopback.mesh.getModelStatus(
            io.densemesh.api.mmesh.GetStatusRequest.newBuilder().setModelId("broken").build())
        .getErrorsList().toString()).doesNotContain("INTERNAL-STORE-DETAIL");
  }

  @Test
  void storageParamsCannotChooseTheEndpoint() {
    int before = hits.get();
    assertThat(failure(allowsLoopback, "params", "s3://bucket/m.onnx",
        "{\"storage_params\": {\"endpoint_url\": \"" + url("/") + "\"}}"))
        .contains("'endpoint_url' belongs to the storage-config entry");
    assertThat(hits.get()).isEqualTo(before);
  }
}
