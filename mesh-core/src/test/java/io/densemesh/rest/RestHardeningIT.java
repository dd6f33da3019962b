package io.densemesh.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.densemesh.runtime.onnx.gen.SampleModels;
import io.densemesh.testing.TestNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The REST stack under hostile clients, on a real node on loopback: slow-loris connections,
 * bodies far over the size limit (declared and chunked), silent bodies, and HTTP/2.
 */
class RestHardeningIT {

  static final ObjectMapper JSON = new ObjectMapper();
  static final long BIG = 200L * 1024 * 1024;

  @TempDir static Path dir;
  static TestNode node;

  @BeforeAll
  static void start() throws IOException {
    java.nio.file.Files.createDirectories(dir.resolve("models"));
    Path model = java.nio.file.Files.write(dir.resolve("models/m.onnx"),
        SampleModels.linearClassifier(3, 4, 3));
    node = new TestNode(dir.resolve("registry"), "--rest-header-timeout", "2s",
        "--rest-body-timeout", "2s", "--max-message-size", "4m", "--rest-body-buffer", "5m");
    node.register("m", model);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  int port() {
    return node.node.restPort();
  }

  @Test
  void fiftySlowLorisConnectionsNeitherStarveLivenessNorStayOpen() throws Exception {
    List<Socket> loris = new ArrayList<>();
    try {
      for (int i = 0; i < 50; i++) {
        Socket s = new Socket("127.0.0.1", port());
        s.setSoTimeout(15_000);
        OutputStream out = s.getOutputStream();
        out.write(("POST /v2/models/m/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty")
            .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        loris.add(s);
      }
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
      for (int i = 0; i < 5; i++) {
        long start = System.nanoTime();
        HttpResponse<String> live = client.send(HttpRequest.newBuilder(node.rest(
            "/v2/health/live")).timeout(Duration.ofSeconds(1)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
      }
      // Past the header timeout every one of them is closed by the node.
      for (Socket s : loris) {
        await().atMost(Duration.ofSeconds(15)).until(() -> closedByPeer(s));
      }
    } finally {
      for (Socket s : loris) {
        s.close();
      }
    }
  }

  @Test
  void aConnectionThatSendsNothingIsClosed() throws Exception {
    try (Socket s = new Socket("127.0.0.1", port())) {
      s.setSoTimeout(15_000);
      await().atMost(Duration.ofSeconds(15)).until(() -> closedByPeer(s));
    }
  }

  /** Whether the peer closed: a read returns end of stream (or the connection was reset). */
  static boolean closedByPeer(Socket s) {
    try {
      InputStream in = s.getInputStream();
      int b;
      do {
        b = in.read();
      } while (b >= 0);
      return true;
    } catch (IOException e) {
      return true;
    }
  }

  @Test
  void aDeclared200MegabyteBodyIs413BeforeItIsRead() throws Exception {
    try (Socket s = new Socket("127.0.0.1", port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(("POST /v2/models/m/infer HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Content-Type: application/json\r\nContent-Length: " + BIG + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      AtomicLong sent = new AtomicLong();
      CompletableFuture<Void> writer = CompletableFuture.runAsync(() ->
          stream(new JsonBody(BIG), out, sent, false));
      String response = readHead(s.getInputStream());
      assertThat(response).startsWith("HTTP/1.1 413");
      writer.handle((v, e) -> null).get();
      assertThat(sent.get()).as("bytes the client got to send").isLessThan(BIG / 4);
    }
    assertThat(node.get("/v2/health/live").statusCode()).isEqualTo(200);
    assertThat(node.node.metrics().scrape()).containsPattern(
        "densemesh_request_seconds_count\\{[^}]*method=\"ModelInfer\"[^}]*protocol=\"rest\"[^}]*"
            + "status=\"RESOURCE_EXHAUSTED\"");
  }

  @Test
  void aChunkedBodyOverTheLimitIs413AsSoonAsItPassesIt() throws Exception {
    long heapBefore = usedHeapAfterGc();
    try (Socket s = new Socket("127.0.0.1", port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(("POST /v2/models/m/infer HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      AtomicLong sent = new AtomicLong();
      CompletableFuture<Void> writer = CompletableFuture.runAsync(() ->
          stream(new JsonBody(BIG), out, sent, true));
      String response = readHead(s.getInputStream());
      assertThat(response).startsWith("HTTP/1.1 413");
      writer.handle((v, e) -> null).get();
      assertThat(sent.get()).as("bytes the client got to send").isLessThan(BIG / 4);
    }
    assertThat(usedHeapAfterGc() - heapBefore).as("heap growth").isLessThan(BIG / 4);
  }

  @Test
  void bodiesBeingReadShareOneBudgetAndGiveItBack() throws Exception {
    long three = 3L * 1024 * 1024;
    String twoMegabytes = "{\"inputs\": [{\"name\": \"input\", \"datatype\": \"FP32\", "
        + "\"shape\": [1, 4], \"data\": [1, 2, 3, 4]}], \"pad\": \""
        + "x".repeat(2 * 1024 * 1024) + "\"}";
    try (Socket holder = new Socket("127.0.0.1", port())) {
      OutputStream out = holder.getOutputStream();
      out.write(("POST /v2/models/m/infer HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Content-Type: application/json\r\nContent-Length: " + (three + 1) + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      stream(new JsonBody(three), out, new AtomicLong(), false);
      // 3 MiB held of 5: a 2 MiB body does not fit and is refused, not queued.
      await().atMost(Duration.ofSeconds(10)).until(() ->
          node.post("/v2/models/m/infer", twoMegabytes).statusCode() == 429);
      HttpResponse<String> refused = node.post("/v2/models/m/infer", twoMegabytes);
      assertThat(refused.statusCode()).isEqualTo(429);
      assertThat(refused.body()).contains("--rest-body-buffer");
      assertThat(refused.headers().firstValue("Retry-After")).contains("1");
    }
    // The holder went away: its bytes are given back.
    await().atMost(Duration.ofSeconds(10)).until(() ->
        node.post("/v2/models/m/infer", twoMegabytes).statusCode() == 200);
  }

  @Test
  void aBodyThatGoesSilentIs408() throws Exception {
    try (Socket s = new Socket("127.0.0.1", port())) {
      s.setSoTimeout(15_000);
      OutputStream out = s.getOutputStream();
      out.write(("POST /v2/models/m/infer HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"inputs\": [")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 408");
    }
  }

  @Test
  void keepAliveAndH2cServeInference() throws Exception {
    String body = """
        {"id": 17, "inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32",
          "data": [1, 2, 3, 4]}], "outputs": [{"name": "logits", "parameters": {"k": "v"}}]}""";
    for (HttpClient.Version version : List.of(HttpClient.Version.HTTP_1_1,
        HttpClient.Version.HTTP_2)) {
      HttpClient client = HttpClient.newBuilder().version(version).build();
      for (int i = 0; i < 3; i++) {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                node.rest("/v2/models/m/infer"))
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.version()).isEqualTo(version);
        JsonNode answer = JSON.readTree(r.body());
        assertThat(answer.get("id").isInt()).isTrue();
        assertThat(answer.get("id").asInt()).isEqualTo(17);
        assertThat(answer.get("outputs").get(0).get("parameters").get("k").asText())
            .isEqualTo("v");
        float[] expected = SampleModels.expectedLogits(3, 4, 3, new float[] {1, 2, 3, 4});
        assertThat((float) answer.get("outputs").get(0).get("data").get(2).asDouble())
            .isCloseTo(expected[2], org.assertj.core.data.Offset.offset(1e-4f));
      }
    }
  }

  @Test
  void anOversizedBodyOverHttp2Is413AndTheConnectionServesOn() throws Exception {
    // Vert.x's client, with h2c prior knowledge: Java 17's HttpClient keeps waiting to send a
    // refused HTTP/2 body instead of taking the complete answer.
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      io.vertx.core.http.HttpClient client = vertx.createHttpClient(
          new io.vertx.core.http.HttpClientOptions()
              .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2)
              .setHttp2ClearTextUpgrade(false));
      byte[] body = new JsonBody(16L * 1024 * 1024).readAllBytes();
      io.vertx.core.http.HttpClientResponse refused = client.request(
              io.vertx.core.http.HttpMethod.POST, port(), "127.0.0.1", "/v2/models/m/infer")
          .compose(request -> request.send(io.vertx.core.buffer.Buffer.buffer(body)))
          .toCompletionStage().toCompletableFuture().get(20, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(refused.version()).isEqualTo(io.vertx.core.http.HttpVersion.HTTP_2);
      assertThat(refused.statusCode()).isEqualTo(413);
      io.vertx.core.http.HttpClientResponse live = client.request(
              io.vertx.core.http.HttpMethod.GET, port(), "127.0.0.1", "/v2/health/live")
          .compose(io.vertx.core.http.HttpClientRequest::send)
          .toCompletionStage().toCompletableFuture().get(20, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(live.statusCode()).isEqualTo(200);
    } finally {
      vertx.close();
    }
  }

  static long usedHeapAfterGc() {
    Runtime rt = Runtime.getRuntime();
    System.gc();
    return rt.totalMemory() - rt.freeMemory();
  }

  /** Writes {@code body} until it ends or the peer stops taking it. */
  static void stream(InputStream body, OutputStream out, AtomicLong sent, boolean chunked) {
    byte[] buffer = new byte[64 * 1024];
    try {
      int n;
      while ((n = body.read(buffer)) > 0) {
        if (chunked) {
          out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        }
        out.write(buffer, 0, n);
        if (chunked) {
          out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        sent.addAndGet(n);
      }
      if (chunked) {
        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      }
      out.flush();
    } catch (IOException peerClosed) {
      // the node refused the rest, as it should
    }
  }

  /** The status line and headers of the response on {@code in}. */
  static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    int b;
    while ((b = in.read()) >= 0) {
      head.append((char) b);
      if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
        break;
      }
    }
    return head.toString();
  }

  /**
   * A generated inference body of {@code size} bytes: one FP32 input whose data array of
   * {@code 0.5} elements fills it (never held in memory).
   */
  static final class JsonBody extends InputStream {
    private final byte[] head = ("{\"inputs\": [{\"name\": \"input\", \"datatype\": \"FP32\", "
        + "\"shape\": [1, 4], \"data\": [").getBytes(StandardCharsets.US_ASCII);
    private final byte[] element = "0.5, ".getBytes(StandardCharsets.US_ASCII);
    private final long size;
    private long position;

    JsonBody(long size) {
      this.size = size;
    }

    @Override
    public int read() {
      if (position >= size) {
        return -1;
      }
      long p = position++;
      if (p < head.length) {
        return head[(int) p];
      }
      if (position == size) {
        return ']';
      }
      return element[(int) ((p - head.length) % element.length)];
    }

    @Override
    public int read(byte[] into, int at, int len) {
      int n = 0;
      while (n < len) {
        int b = read();
        if (b < 0) {
          return n == 0 ? -1 : n;
        }
        into[at + n++] = (byte) b;
      }
      return n;
    }
  }
}
