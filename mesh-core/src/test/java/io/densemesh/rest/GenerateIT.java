package io.densemesh.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.densemesh.api.admin.MeshAdminGrpc;
import io.densemesh.api.admin.SetModelPolicyRequest;
import com.google.protobuf.ByteString;
import io.densemesh.api.inference.InferTensorContents;
import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.api.inference.ModelInferResponse;
import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.streaming.TextStreamingGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.TimeUnit;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.runtime.onnx.gen.SampleTextModels;
import io.densemesh.testing.Bearer;
import io.densemesh.testing.EtcdProcess;
import io.densemesh.testing.TestNode;
import io.densemesh.testing.Tokens;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Triton's generate extension on a real node serving a generated text classifier: one JSON
 * answer on {@code generate}, one server-sent event per string on {@code generate_stream} (read
 * by a real HTTP client), each checked against the plain-Java reference and the unstreamed
 * answer; errors, authentication, and a model held on another node.
 */
class GenerateIT {

  static final long SEED = 5;
  static final List<String> TEXTS = List.of("Great fun!", "the acting was awful , the plot boring",
      "not very good movie", "the movie was very good", "boring");
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static TestNode node;

  @BeforeAll
  static void start() throws Exception {
    node = new TestNode(dir.resolve("registry"));
    register(node.mesh, "sentiment", dir);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  static void register(io.densemesh.api.mmesh.ModelMeshGrpc.ModelMeshBlockingStub mesh,
      String id, Path under) throws IOException {
    Path model = SampleTextModels.writeClassifier(under.resolve("models").resolve(id), SEED);
    mesh.registerModel(RegisterModelRequest.newBuilder().setModelId(id)
        .setModelInfo(ModelInfo.newBuilder().setType("text").setPath(model.toString())).build());
  }

  static String body(List<String> texts) {
    try {
      return JSON.writeValueAsString(java.util.Map.of("text_input", texts,
          "parameters", java.util.Map.of("temperature", 0, "stream", true)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every event of an SSE answer, as the JSON each {@code data:} line carries. */
  static List<JsonNode> events(HttpResponse<String> response) throws IOException {
    assertThat(response.headers().firstValue("Content-Type")).hasValue(
        "text/event-stream; charset=utf-8");
    String text = response.body();
    assertThat(text).as("events are separated by blank lines and the stream ends after one")
        .endsWith("\n\n");
    List<JsonNode> events = new ArrayList<>();
    for (String event : text.split("\n\n")) {
      assertThat(event).startsWith("data: ").doesNotContain("\n");
      events.add(JSON.readTree(event.substring("data: ".length())));
    }
    return events;
  }

  static HttpResponse<String> post(TestNode via, String path, String body, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(via.rest(path))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return via.send(request.build());
  }

  static void assertRow(JsonNode event, String text) {
    assertThat(event.get("model_name").asText()).isEqualTo("sentiment");
    assertThat(event.get("model_version").asText()).isEqualTo("1");
    assertThat(event.get("label").isTextual()).as("a one-element output is a scalar").isTrue();
    assertThat(event.get("label").asText()).isEqualTo(SampleTextModels.referenceLabel(SEED, text));
    float[] expected = SampleTextModels.referenceProbabilities(SEED, text);
    assertThat(event.get("probabilities")).hasSize(expected.length);
    for (int i = 0; i < expected.length; i++) {
      assertThat(event.get("probabilities").get(i).floatValue()).isCloseTo(expected[i],
          within(1e-5f));
    }
  }

  static void assertWhole(JsonNode answer, List<String> texts) {
    assertThat(answer.get("model_name").asText()).isEqualTo("sentiment");
    assertThat(answer.get("model_version").asText()).isEqualTo("1");
    JsonNode labels = answer.get("label");
    JsonNode probabilities = answer.get("probabilities");
    assertThat(labels).hasSize(texts.size());
    assertThat(probabilities).hasSize(texts.size() * SampleTextModels.LABELS.size());
    int p = 0;
    for (int t = 0; t < texts.size(); t++) {
      assertThat(labels.get(t).asText())
          .isEqualTo(SampleTextModels.referenceLabel(SEED, texts.get(t)));
      for (float expected : SampleTextModels.referenceProbabilities(SEED, texts.get(t))) {
        assertThat(probabilities.get(p++).floatValue()).isCloseTo(expected, within(1e-5f));
      }
    }
  }

  @Test
  void generateAnswersOneObjectWithEveryOutputByName() throws Exception {
    HttpResponse<String> response = post(node, "/v2/models/sentiment/generate", body(TEXTS));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonNode answer = JSON.readTree(response.body());
    assertWhole(answer, TEXTS);
    assertThat(answer.has("logits")).isTrue();
  }

  @Test
  void aLoneStringByTheInputsOwnNameAnswersScalarsAndEchoesTheId() throws Exception {
    HttpResponse<String> response = post(node, "/v2/models/sentiment/versions/1/generate",
        "{\"text\": \"Great fun!\", \"id\": \"q-7\", \"max_tokens\": 3}");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode answer = JSON.readTree(response.body());
    assertThat(answer.get("id").asText()).isEqualTo("q-7");
    assertRow(answer, "Great fun!");
  }

  @Test
  void generateStreamSendsOneEventPerStringInOrder() throws Exception {
    HttpResponse<String> streamed = post(node, "/v2/models/sentiment/generate_stream",
        body(TEXTS));
    HttpResponse<String> whole = post(node, "/v2/models/sentiment/generate", body(TEXTS));

    assertThat(streamed.statusCode()).isEqualTo(200);
    List<JsonNode> events = events(streamed);
    assertThat(events).hasSize(TEXTS.size());
    JsonNode unstreamed = JSON.readTree(whole.body());
    for (int i = 0; i < TEXTS.size(); i++) {
      assertRow(events.get(i), TEXTS.get(i));
      assertThat(events.get(i).get("label").asText())
          .as("the same as the unstreamed answer's row").isEqualTo(
              unstreamed.get("label").get(i).asText());
    }
  }

  @Test
  void generateStreamOfOneStringIsOneEvent() throws Exception {
    HttpResponse<String> streamed = post(node, "/v2/models/sentiment/generate_stream",
        "{\"text_input\": \"boring\"}");

    List<JsonNode> events = events(streamed);
    assertThat(events).hasSize(1);
    assertRow(events.get(0), "boring");
  }

  @Test
  void unknownModelIsNotFoundJsonOnBothRoutes() throws Exception {
    for (String route : List.of("generate", "generate_stream")) {
      HttpResponse<String> response = post(node, "/v2/models/missing/" + route,
          body(List.of("x")));
      assertThat(response.statusCode()).as(route).isEqualTo(404);
      assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
      assertThat(JSON.readTree(response.body()).get("error").asText()).contains("missing");
    }
  }

  @Test
  void badFieldsAreBadRequestsNamingTheProblem() throws Exception {
    record Case(String body, String says) {}
    for (Case c : List.of(
        new Case("{\"text_input\": {\"a\": 1}}", "text_input"),
        new Case("{\"text_input\": [[\"nested\"]]}", "flat array"),
        new Case("{\"text_input\": [1, 2]}", "BYTES"),
        new Case("{\"text_input\": \"a\", \"parameters\": {\"p\": [1]}}", "parameter 'p'"),
        new Case("{\"temperature\": 1}", "none of the model's inputs"),
        new Case("[\"text\"]", "JSON object"),
        new Case("{\"text_input\": \"a\"", "not valid JSON"))) {
      for (String route : List.of("generate", "generate_stream")) {
        HttpResponse<String> response = post(node, "/v2/models/sentiment/" + route, c.body());
        assertThat(response.statusCode()).as(c.body() + " on " + route).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).get("error").asText()).as(c.body())
            .contains(c.says());
      }
    }
    assertThat(node.send(HttpRequest.newBuilder(node.rest("/v2/models/sentiment/generate"))
        .GET().build()).statusCode()).isEqualTo(405);
  }

  @Test
  void aLongBatchStreamsEveryEventInOrderToAClientReadingLineByLine() throws Exception {
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      texts.add(TEXTS.get(i % TEXTS.size()) + " " + "movie ".repeat(i % 3));
    }
    HttpResponse<java.io.InputStream> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(node.rest("/v2/models/sentiment/generate_stream"))
            .POST(HttpRequest.BodyPublishers.ofString(body(texts))).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    List<JsonNode> events = new ArrayList<>();
    try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(
        response.body(), java.nio.charset.StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.startsWith("data: ")) {
          events.add(JSON.readTree(line.substring(6)));
        }
      }
    }
    assertThat(events).hasSize(texts.size());
    for (int i = 0; i < texts.size(); i += 37) {
      assertRow(events.get(i), texts.get(i));
    }
  }

  /** Inferences served by a node so far (each streamed row is one). */
  static long served(TestNode on) {
    long total = 0;
    for (String line : on.scrapeMetrics().split("\n")) {
      if (line.startsWith("densemesh_inference_seconds_count{")) {
        total += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return total;
  }

  @Test
  void aStreamWhoseClientStopsReadingIsCutAfterTheSilenceLimit(@TempDir Path own)
      throws Exception {
    int n = 5000;
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      texts.add(TEXTS.get(i % TEXTS.size()));
    }
    try (TestNode quick = new TestNode(own.resolve("data"), "--rest-body-timeout", "1s")) {
      register(quick.mesh, "sentiment", own);
      io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
      try {
        // HTTP/2 with a small stream window, and a client that takes the headers, then nothing.
        io.vertx.core.http.HttpClient client = vertx.createHttpClient(
            new io.vertx.core.http.HttpClientOptions()
                .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false)
                .setInitialSettings(new io.vertx.core.http.Http2Settings()
                    .setInitialWindowSize(16 * 1024)));
        java.util.concurrent.CompletableFuture<Throwable> ended =
            new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.CompletableFuture<Integer> status =
            new java.util.concurrent.CompletableFuture<>();
        client.request(io.vertx.core.http.HttpMethod.POST, quick.node.restPort(), "127.0.0.1",
                "/v2/models/sentiment/generate_stream")
            .compose(request -> request.send(io.vertx.core.buffer.Buffer.buffer(body(texts))))
            .onSuccess(response -> {
              response.pause();
              status.complete(response.statusCode());
              response.exceptionHandler(ended::complete);
              response.endHandler(v -> ended.complete(null));
            })
            .onFailure(ended::complete);

        assertThat(status.get(60, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(200);
        assertThat(ended.get(60, java.util.concurrent.TimeUnit.SECONDS))
            .as("the node reset the stream instead of finishing it").isNotNull();
        assertThat(served(quick)).as("rows made for a client that took none").isLessThan(n);
        assertThat(post(quick, "/v2/models/sentiment/generate", body(List.of("boring")))
            .statusCode()).as("the node serves on").isEqualTo(200);
      } finally {
        vertx.close();
      }
    }
  }

  @Test
  void authenticationAndTenantsApplyAsOnInfer(@TempDir Path own) throws Exception {
    Tokens tokens = new Tokens("key-1");
    Path jwks = tokens.writeJwks(own.resolve("jwks.json"));
    try (TestNode secured = new TestNode(own.resolve("data"), tokens.nodeFlags(jwks))) {
      String a = tokens.jwt("a", "tenant", Instant.now());
      String b = tokens.jwt("b", "tenant", Instant.now());
      register(Bearer.as(secured.mesh, a), "sentiment", own);
      for (String route : List.of("generate", "generate_stream")) {
        String path = "/v2/models/sentiment/" + route;
        assertThat(post(secured, path, body(List.of("boring"))).statusCode()).as(route)
            .isEqualTo(401);
        assertThat(post(secured, path, body(List.of("boring")), "Authorization", "Bearer " + b)
            .statusCode()).as("another tenant's model looks missing").isEqualTo(404);
        HttpResponse<String> ok = post(secured, path, body(List.of("boring")),
            "Authorization", "Bearer " + a);
        assertThat(ok.statusCode()).as(route).isEqualTo(200);
        assertThat(ok.body()).contains(SampleTextModels.referenceLabel(SEED, "boring"));
      }
      // The gRPC stream of chunks passes the same edge.
      ModelInferRequest request = ModelInferRequest.newBuilder().setModelName("sentiment")
          .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("text")
              .setDatatype("BYTES").addShape(1)
              .setContents(InferTensorContents.newBuilder()
                  .addBytesContents(ByteString.copyFromUtf8("boring"))))
          .build();
      var stub = TextStreamingGrpc.newBlockingStub(secured.channel)
          .withDeadlineAfter(30, TimeUnit.SECONDS);
      assertThat(grpcStatus(() -> stub.streamInfer(request).forEachRemaining(r -> { })))
          .isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(grpcStatus(() -> Bearer.as(stub, b).streamInfer(request)
          .forEachRemaining(r -> { }))).isEqualTo(Status.Code.NOT_FOUND);
      List<ModelInferResponse> answers = new ArrayList<>();
      Bearer.as(stub, a).streamInfer(request).forEachRemaining(answers::add);
      assertThat(answers).hasSize(1);
    }
  }

  static Status.Code grpcStatus(Runnable call) {
    try {
      call.run();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  @Test
  void aModelHeldOnAnotherNodeIsRoutedLikeInfer(@TempDir Path own) throws Exception {
    try (EtcdProcess etcd = new EtcdProcess(own.resolve("etcd"))) {
      String[] flags = {"--etcd", etcd.endpoint(), "--etcd-prefix", "/densemesh/generate/",
          "--lease-ttl", "3s", "--capacity", "1g", "--etcd-timeout", "15s"};
      try (TestNode a = new TestNode(own.resolve("a"), TestNode.flags(flags, "--instance-id", "a"));
          TestNode b = new TestNode(own.resolve("b"),
              TestNode.flags(flags, "--instance-id", "b"))) {
        await().atMost(Duration.ofSeconds(10))
            .until(() -> a.node.registry().view().instances().size() == 2);
        register(b.mesh, "sentiment", own);
        MeshAdminGrpc.newBlockingStub(b.channel).setModelPolicy(SetModelPolicyRequest
            .newBuilder().setModelId("sentiment").setMinCopies(1).setMaxCopies(1).build());
        assertThat(post(b, "/v2/models/sentiment/generate", body(List.of("boring")))
            .statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> !a.node.registry().view()
            .copiesOf("sentiment").isEmpty() && !b.node.registry().view()
            .copiesOf("sentiment").isEmpty());
        String holder = a.node.registry().view().copiesOf("sentiment").keySet().iterator()
            .next();
        TestNode other = holder.equals("a") ? b : a;

        HttpResponse<String> whole = post(other, "/v2/models/sentiment/generate", body(TEXTS));
        HttpResponse<String> streamed = post(other, "/v2/models/sentiment/generate_stream",
            body(TEXTS));

        assertThat(whole.statusCode()).isEqualTo(200);
        assertWhole(JSON.readTree(whole.body()), TEXTS);
        List<JsonNode> events = events(streamed);
        assertThat(events).hasSize(TEXTS.size());
        for (int i = 0; i < TEXTS.size(); i++) {
          assertRow(events.get(i), TEXTS.get(i));
        }
        // The gRPC stream of chunks is routed the same way, chunk by chunk.
        InferTensorContents.Builder contents = InferTensorContents.newBuilder();
        TEXTS.forEach(t -> contents.addBytesContents(ByteString.copyFromUtf8(t)));
        List<ModelInferResponse> chunks = new ArrayList<>();
        TextStreamingGrpc.newBlockingStub(other.channel).withDeadlineAfter(60, TimeUnit.SECONDS)
            .streamInfer(ModelInferRequest.newBuilder().setModelName("sentiment")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("text")
                    .setDatatype("BYTES").addShape(TEXTS.size()).setContents(contents))
                .putParameters("chunk_size", io.densemesh.api.inference.InferParameter
                    .newBuilder().setInt64Param(2).build())
                .build())
            .forEachRemaining(chunks::add);
        assertThat(chunks).hasSize(3);
        assertThat(chunks).allSatisfy(c -> assertThat(c.getOutputsList())
            .extracting(o -> o.getName()).contains("label"));
        assertThat(other.node.registry().view().copiesOf("sentiment")).containsOnlyKeys(holder);
        assertThat(other.scrapeMetrics())
            .containsPattern("densemesh_forwards_total\\{result=\"ok\"\\} [1-9]");
      }
    }
  }
}
