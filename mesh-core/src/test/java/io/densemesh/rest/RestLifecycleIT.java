package io.densemesh.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.densemesh.runtime.onnx.gen.SampleModels;
import io.densemesh.testing.TestNode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * REST requests that take long, on a real node: the model's artifact comes from a loopback HTTP
 * store that holds the download until the test lets it go, so an inference stays in flight as
 * long as the test wants. Such a request finishes while the node closes; and a REST stack with
 * one thread and no queue answers a second request 429 at once.
 */
class RestLifecycleIT {

  static final ObjectMapper JSON = new ObjectMapper();
  static final byte[] MODEL = SampleModels.linearClassifier(11, 4, 3);
  static final String INFER = """
      {"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32",
        "data": [1, 0, -1, 2]}]}""";

  @TempDir Path dir;
  HttpServer store;
  final CountDownLatch release = new CountDownLatch(1);
  final AtomicInteger downloads = new AtomicInteger();

  @BeforeEach
  void startStore() throws IOException {
    store = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    store.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    store.createContext("/slow.onnx", exchange -> {
      downloads.incrementAndGet();
      try (exchange; OutputStream body = exchange.getResponseBody()) {
        release.await(60, TimeUnit.SECONDS);
        exchange.sendResponseHeaders(200, MODEL.length);
        body.write(MODEL);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    store.start();
  }

  @AfterEach
  void stopStore() {
    release.countDown();
    store.stop(0);
  }

  TestNode node(String... flags) {
    String[] all = new String[flags.length + 2];
    all[0] = "--storage-allow-hosts";
    all[1] = "127.0.0.1";
    System.arraycopy(flags, 0, all, 2, flags.length);
    TestNode node = new TestNode(dir.resolve("registry"), all);
    node.register("slow", "http://127.0.0.1:" + store.getAddress().getPort() + "/slow.onnx", "");
    return node;
  }

  static CompletableFuture<HttpResponse<String>> infer(HttpClient client, TestNode node) {
    return client.sendAsync(HttpRequest.newBuilder(node.rest("/v2/models/slow/infer"))
        .POST(HttpRequest.BodyPublishers.ofString(INFER)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void inferencesInFlightOutlastTheSilenceLimitAndFinishWhileTheNodeCloses() throws Exception {
    TestNode node = node("--rest-header-timeout", "1s");
    int port = node.node.restPort();
    // HTTP/1.1 with Java's client; HTTP/2 (h2c prior knowledge) with Vert.x's: over HTTP/2 the
    // node sends GOAWAY naming the streams in flight as still served, which Java 17's client
    // mishandles (it fails every open stream; fixed in later JDKs).
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    CompletableFuture<HttpResponse<String>> http1 = infer(client, node);
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      CompletableFuture<String> http2 = vertx.createHttpClient(
              new io.vertx.core.http.HttpClientOptions()
                  .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2)
                  .setHttp2ClearTextUpgrade(false))
          .request(io.vertx.core.http.HttpMethod.POST, port, "127.0.0.1",
              "/v2/models/slow/infer")
          .compose(request -> request.send(INFER))
          .compose(response -> {
            assertThat(response.version()).isEqualTo(io.vertx.core.http.HttpVersion.HTTP_2);
            assertThat(response.statusCode()).isEqualTo(200);
            return response.body();
          })
          .map(io.vertx.core.buffer.Buffer::toString)
          .toCompletionStage().toCompletableFuture();
      await().atMost(Duration.ofSeconds(20)).until(() -> downloads.get() == 1);
      // Both clients are silent for twice the silence limit: requests in progress are not cut.
      await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(5))
          .until(() -> !http1.isDone() && !http2.isDone());

      CompletableFuture<Void> closing = CompletableFuture.runAsync(node::close);
      // The node stops taking connections while the requests are still running.
      await().atMost(Duration.ofSeconds(10)).until(() -> refuses(port));
      assertThat(closing).isNotDone();
      assertThat(http1).isNotDone();
      assertThat(http2).isNotDone();

      release.countDown();
      HttpResponse<String> answer = http1.get(30, TimeUnit.SECONDS);
      assertThat(answer.statusCode()).isEqualTo(200);
      assertLogits(answer.body());
      assertLogits(http2.get(30, TimeUnit.SECONDS));
      closing.get(30, TimeUnit.SECONDS);
    } finally {
      vertx.close();
    }
  }

  static void assertLogits(String body) throws IOException {
    JsonNode logits = JSON.readTree(body).get("outputs").get(0);
    float[] expected = SampleModels.expectedLogits(11, 4, 3, new float[] {1, 0, -1, 2});
    for (int c = 0; c < 3; c++) {
      assertThat((float) logits.get("data").get(c).asDouble()).isCloseTo(expected[c],
          Offset.offset(1e-4f));
    }
  }

  static boolean refuses(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return false;
    } catch (ConnectException refused) {
      return true;
    } catch (IOException other) {
      return false;
    }
  }

  @Test
  void aFullRestStackAnswers429AtOnceAndHealthStillAnswers() throws Exception {
    try (TestNode node = node("--rest-threads", "1", "--rest-queue", "0")) {
      HttpClient client = HttpClient.newHttpClient();
      CompletableFuture<HttpResponse<String>> busy = infer(client, node);
      await().atMost(Duration.ofSeconds(20)).until(() -> downloads.get() == 1);

      HttpResponse<String> refused = node.post("/v2/models/slow/infer", INFER);
      assertThat(refused.statusCode()).isEqualTo(429);
      assertThat(refused.headers().firstValue("Retry-After")).contains("1");
      assertThat(JSON.readTree(refused.body()).get("error").asText())
          .contains("limit of 1 running and 0 waiting");
      assertThat(node.get("/v2/models/slow/ready").statusCode()).as("metadata calls too")
          .isEqualTo(429);
      assertThat(node.get("/v2/health/live").statusCode()).isEqualTo(200);
      assertThat(node.get("/v2/health/ready").statusCode()).isEqualTo(200);

      release.countDown();
      assertThat(busy.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(5)).until(() ->
          node.post("/v2/models/slow/infer", INFER).statusCode() == 200);
    }
  }
}
