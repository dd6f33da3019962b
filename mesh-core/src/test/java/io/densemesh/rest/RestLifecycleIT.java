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
  void anInferenceInFlightFinishesWhileTheNodeCloses() throws Exception {
    TestNode node = node();
    int port = node.node.restPort();
    // HTTP/1.1: over HTTP/2 the node sends GOAWAY naming the stream in flight as still served,
    // but Java 17's client fails every open stream on any GOAWAY (fixed in later JDKs).
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    CompletableFuture<HttpResponse<String>> inFlight = infer(client, node);
    await().atMost(Duration.ofSeconds(20)).until(() -> downloads.get() == 1);

    CompletableFuture<Void> closing = CompletableFuture.runAsync(node::close);
    // The node stops taking connections while the request is still running.
    await().atMost(Duration.ofSeconds(10)).until(() -> refuses(port));
    assertThat(closing).isNotDone();
    assertThat(inFlight).as(() -> "in flight: " + inFlight.getNow(null)
        + (inFlight.isDone() && !inFlight.isCompletedExceptionally()
            ? " " + inFlight.join().statusCode() + " " + inFlight.join().body() : ""))
        .isNotDone();

    release.countDown();
    HttpResponse<String> answer = inFlight.get(30, TimeUnit.SECONDS);
    assertThat(answer.statusCode()).isEqualTo(200);
    JsonNode logits = JSON.readTree(answer.body()).get("outputs").get(0);
    float[] expected = SampleModels.expectedLogits(11, 4, 3, new float[] {1, 0, -1, 2});
    for (int c = 0; c < 3; c++) {
      assertThat((float) logits.get("data").get(c).asDouble()).isCloseTo(expected[c],
          Offset.offset(1e-4f));
    }
    closing.get(30, TimeUnit.SECONDS);
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
