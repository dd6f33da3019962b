package io.densemesh.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.densemesh.api.inference.InferTensorContents;
import io.densemesh.protocol.ProtoTensorCodec;
import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.api.inference.ModelInferResponse;
import io.densemesh.api.inference.ModelMetadataRequest;
import io.densemesh.api.inference.ModelMetadataResponse;
import io.densemesh.api.inference.ModelReadyRequest;
import io.densemesh.api.inference.ServerLiveRequest;
import io.densemesh.api.inference.ServerReadyRequest;
import io.densemesh.api.mmesh.GetStatusRequest;
import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.ModelStatusInfo.ModelStatus;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.api.mmesh.UnregisterModelRequest;
import io.densemesh.runtime.DataType;
import io.densemesh.runtime.onnx.gen.SampleModels;
import io.densemesh.testing.TestNode;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One real node over real gRPC and HTTP on loopback, serving generated ONNX models. */
class NodeIT {

  static final int F = 4;
  static final int C = 3;
  static final int MODELS = 20;

  @TempDir static Path dir;
  static TestNode node;
  static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void start() throws Exception {
    Files.createDirectories(dir.resolve("models"));
    for (int i = 0; i < MODELS; i++) {
      Files.write(model(i), SampleModels.linearClassifier(i, F, C));
    }
    node = new TestNode(dir.resolve("registry"));
    for (int i = 0; i < MODELS; i++) {
      node.register("m" + i, model(i));
    }
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  static Path model(int i) {
    return dir.resolve("models").resolve("m" + i + ".onnx");
  }

  static ModelInferRequest rawRequest(String model, float[] row) {
    ByteBuffer raw = ByteBuffer.allocate(row.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : row) {
      raw.putFloat(v);
    }
    return ModelInferRequest.newBuilder().setModelName(model).setId("req-1")
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input")
            .setDatatype("FP32").addShape(1).addShape(row.length))
        .addRawInputContents(ByteString.copyFrom(raw.array())).build();
  }

  static float[] floats(ByteString bytes) {
    ByteBuffer b = bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[b.remaining() / 4];
    for (int i = 0; i < out.length; i++) {
      out[i] = b.getFloat();
    }
    return out;
  }

  static void assertLogits(ModelInferResponse response, long seed, float[] row) {
    int logits = -1;
    for (int i = 0; i < response.getOutputsCount(); i++) {
      if (response.getOutputs(i).getName().equals("logits")) {
        logits = i;
      }
    }
    assertThat(logits).as("logits output present").isNotNegative();
    float[] expected = SampleModels.expectedLogits(seed, F, C, row);
    // Raw or typed contents, as the request sent its inputs (ProtoTensorCodec reads both).
    float[] actual = floats(ByteString.copyFrom(
        ProtoTensorCodec.outputs(response).get(logits).data()));
    assertThat(actual).hasSize(C);
    for (int c = 0; c < C; c++) {
      assertThat(actual[c]).isCloseTo(expected[c], offset(1e-4f));
    }
  }

  @Test
  void healthAndServerMetadata() {
    assertThat(node.inference.serverLive(ServerLiveRequest.getDefaultInstance()).getLive())
        .isTrue();
    assertThat(node.inference.serverReady(ServerReadyRequest.getDefaultInstance()).getReady())
        .isTrue();
    assertThat(node.get("/v2/health/live").statusCode()).isEqualTo(200);
    assertThat(node.get("/v2/health/ready").statusCode()).isEqualTo(200);
    assertThat(node.get("/v2").body()).contains("\"name\":\"densemesh\"");
  }

  @Test
  void everyModelAnswersWithItsOwnWeightsOverGrpc() {
    float[] row = {0.5f, -1.25f, 2f, 0.75f};
    for (int i = 0; i < MODELS; i++) {
      ModelInferResponse r = node.inference.modelInfer(rawRequest("m" + i, row));
      assertThat(r.getModelName()).isEqualTo("m" + i);
      assertThat(r.getId()).isEqualTo("req-1");
      assertThat(r.getOutputsList()).extracting(o -> o.getName())
          .containsExactly("logits", "probabilities");
      assertThat(r.getOutputs(0).getShapeList()).containsExactly(1L, (long) C);
      assertLogits(r, i, row);
    }
  }

  @Test
  void typedContentsAndRequestedOutputs() {
    float[] row = {1f, 2f, 3f, 4f};
    ModelInferRequest req = ModelInferRequest.newBuilder().setModelName("m3")
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input")
            .setDatatype("FP32").addShape(1).addShape(F)
            .setContents(InferTensorContents.newBuilder().addFp32Contents(1f)
                .addFp32Contents(2f).addFp32Contents(3f).addFp32Contents(4f)))
        .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("logits"))
        .build();
    ModelInferResponse r = node.inference.modelInfer(req);
    assertThat(r.getOutputsCount()).isEqualTo(1);
    assertThat(r.getRawOutputContentsCount()).as("typed in, typed out").isZero();
    assertLogits(r, 3, row);
  }

  @Test
  void headersSelectTheModelWhenTheBodyNamesNone() {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("mm-model-id", Metadata.ASCII_STRING_MARSHALLER), "m7");
    float[] row = {0f, 1f, 0f, 1f};
    ModelInferResponse r = node.inference
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .modelInfer(rawRequest("", row));
    assertLogits(r, 7, row);

    Metadata bin = new Metadata();
    bin.put(Metadata.Key.of("mm-model-id-bin", Metadata.BINARY_BYTE_MARSHALLER),
        "m8".getBytes());
    assertLogits(node.inference.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bin))
        .modelInfer(rawRequest("", row)), 8, row);
  }

  @Test
  void metadataComesFromTheModel() {
    ModelMetadataResponse md = node.inference.modelMetadata(
        ModelMetadataRequest.newBuilder().setName("m1").build());
    assertThat(md.getPlatform()).isEqualTo("onnxruntime_onnx");
    assertThat(md.getInputs(0).getName()).isEqualTo("input");
    assertThat(md.getInputs(0).getDatatype()).isEqualTo("FP32");
    assertThat(md.getInputs(0).getShapeList()).containsExactly(-1L, (long) F);
    assertThat(md.getOutputsList()).hasSize(2);
    assertThat(node.inference.modelReady(ModelReadyRequest.newBuilder().setName("m1").build())
        .getReady()).isTrue();
  }

  @Test
  void badRequestsAreInvalidArgumentNamingTheProblem() {
    assertStatus(rawRequest("m0", new float[] {1, 2, 3}), Status.Code.INVALID_ARGUMENT,
        "expects 4");
    assertStatus(rawRequest("m0", new float[] {1, 2, 3, 4}).toBuilder()
        .setInputs(0, ModelInferRequest.InferInputTensor.newBuilder().setName("input")
            .setDatatype("FP64").addShape(1).addShape(F)).build(),
        Status.Code.INVALID_ARGUMENT, "datatype FP64");
    assertStatus(rawRequest("m0", new float[] {1, 2, 3, 4}).toBuilder()
        .setInputs(0, ModelInferRequest.InferInputTensor.newBuilder().setName("wrong")
            .setDatatype("FP32").addShape(1).addShape(F)).build(),
        Status.Code.INVALID_ARGUMENT, "unexpected input 'wrong'");
    assertStatus(rawRequest("m0", new float[] {1, 2, 3, 4}).toBuilder()
        .setInputs(0, ModelInferRequest.InferInputTensor.newBuilder().setName("input")
            .setDatatype("FP32").addShape(2).addShape(F)).build(),
        Status.Code.INVALID_ARGUMENT, "needs 32");
    assertStatus(rawRequest("m0", new float[] {1, 2, 3, 4}).toBuilder()
        .setInputs(0, ModelInferRequest.InferInputTensor.newBuilder().setName("input")
            .setDatatype("FP32").addShape(1).addShape(F).setContents(
                InferTensorContents.newBuilder().addFp32Contents(1))).build(),
        Status.Code.INVALID_ARGUMENT, "one or the other");
    assertStatus(rawRequest("m0", new float[] {1, 2, 3, 4}).toBuilder()
        .setInputs(0, ModelInferRequest.InferInputTensor.newBuilder().setName("input")
            .setDatatype("FP32").addShape(1L << 40).addShape(F)).build(),
        Status.Code.INVALID_ARGUMENT, "limit");
    assertStatus(rawRequest("m0", new float[] {1, 2, 3, 4}).toBuilder()
        .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("nope"))
        .build(), Status.Code.INVALID_ARGUMENT, "'nope'");
    assertStatus(rawRequest("no-such-model", new float[] {1, 2, 3, 4}), Status.Code.NOT_FOUND,
        "no-such-model");
    assertStatus(rawRequest("", new float[] {1, 2, 3, 4}), Status.Code.INVALID_ARGUMENT,
        "model_name is empty");
    // The node still serves after all of that.
    assertLogits(node.inference.modelInfer(rawRequest("m0", new float[] {1, 2, 3, 4})), 0,
        new float[] {1, 2, 3, 4});
  }

  private static void assertStatus(ModelInferRequest req, Status.Code code, String message) {
    assertThatThrownBy(() -> node.inference.modelInfer(req))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(code);
          assertThat(e.getStatus().getDescription()).contains(message);
        });
  }

  @Test
  void restInferAndErrors() throws Exception {
    HttpResponse<String> ok = node.post("/v2/models/m5/infer", """
        {"id": "r1", "inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32",
          "data": [[0.5, 1.0, -1.0, 2.0]]}], "outputs": [{"name": "logits"}]}""");
    assertThat(ok.statusCode()).isEqualTo(200);
    JsonNode body = JSON.readTree(ok.body());
    assertThat(body.get("model_name").asText()).isEqualTo("m5");
    assertThat(body.get("id").asText()).isEqualTo("r1");
    JsonNode out = body.get("outputs").get(0);
    assertThat(out.get("name").asText()).isEqualTo("logits");
    float[] expected = SampleModels.expectedLogits(5, F, C, new float[] {0.5f, 1f, -1f, 2f});
    for (int c = 0; c < C; c++) {
      assertThat((float) out.get("data").get(c).asDouble()).isCloseTo(expected[c],
          offset(1e-4f));
    }
    assertThat(node.post("/v2/models/m5/versions/1/infer", """
        {"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32",
          "data": [1, 2, 3, 4]}]}""").statusCode()).isEqualTo(200);

    HttpResponse<String> bad = node.post("/v2/models/m5/infer", """
        {"inputs": [{"name": "input", "shape": [1, 3], "datatype": "FP32",
          "data": [1, 2, 3]}]}""");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(bad.body()).get("error").asText()).contains("expects 4");
    assertThat(node.post("/v2/models/m5/infer", "{not json").statusCode()).isEqualTo(400);
    HttpResponse<String> missing = node.post("/v2/models/ghost/infer", "{\"inputs\": []}");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(missing.body()).get("error").asText()).contains("ghost");
    assertThat(node.get("/v2/models/ghost").statusCode()).isEqualTo(404);
    assertThat(node.get("/v2/models/m5/versions/9").statusCode()).isEqualTo(404);

    JsonNode md = JSON.readTree(node.get("/v2/models/m5").body());
    assertThat(md.get("inputs").get(0).get("shape").toString()).isEqualTo("[-1,4]");
    assertThat(node.get("/v2/models/m5/ready").statusCode()).isEqualTo(200);
  }

  @Test
  void concurrentClientsOverMixedModelsGetTheirOwnAnswers() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Integer>> clients = new ArrayList<>();
      for (int c = 0; c < 8; c++) {
        long seed = c;
        clients.add(pool.submit(() -> {
          SplittableRandom random = new SplittableRandom(seed);
          int done = 0;
          for (int n = 0; n < 60; n++) {
            int m = random.nextInt(MODELS);
            float[] row = {(float) random.nextDouble(), (float) random.nextDouble(),
                (float) random.nextDouble(), (float) random.nextDouble()};
            assertLogits(node.inference.modelInfer(rawRequest("m" + m, row)), m, row);
            done++;
          }
          return done;
        }));
      }
      for (Future<Integer> f : clients) {
        assertThat(f.get()).isEqualTo(60);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void everyFeedableDatatypeTravelsAsTypedContentsAndRaw() throws Exception {
    for (DataType type : List.of(DataType.BOOL, DataType.INT8, DataType.INT16, DataType.INT32,
        DataType.INT64, DataType.UINT8, DataType.FP32, DataType.FP64, DataType.BYTES)) {
      String id = "id-" + type.name().toLowerCase();
      Path file = Files.write(dir.resolve(id + ".onnx"), SampleModels.identity(type, 2));
      node.register(id, file);
      InferTensorContents.Builder contents = InferTensorContents.newBuilder();
      switch (type) {
        case BOOL -> contents.addBoolContents(true).addBoolContents(false);
        case INT8, INT16, INT32 -> contents.addIntContents(-5).addIntContents(7);
        case INT64 -> contents.addInt64Contents(-5).addInt64Contents(1L << 40);
        case UINT8 -> contents.addUintContents(5).addUintContents(250);
        case FP32 -> contents.addFp32Contents(1.5f).addFp32Contents(-2f);
        case FP64 -> contents.addFp64Contents(1.5).addFp64Contents(-2e100);
        default -> contents.addBytesContents(ByteString.copyFromUtf8("héllo"))
            .addBytesContents(ByteString.EMPTY);
      }
      ModelInferRequest typed = ModelInferRequest.newBuilder().setModelName(id)
          .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("x")
              .setDatatype(type.name()).addShape(1).addShape(2).setContents(contents)).build();
      ModelInferResponse r = node.inference.modelInfer(typed);
      assertThat(r.getOutputs(0).getDatatype()).isEqualTo(type.name());
      // As KServe's server: typed contents in, typed contents out (the identity's input).
      assertThat(r.getRawOutputContentsCount()).as(type.name()).isZero();
      assertThat(r.getOutputs(0).getContents()).as(type.name()).isEqualTo(contents.build());
      ByteString raw = ByteString.copyFrom(ProtoTensorCodec.outputs(r).get(0).data());
      // Sending the answer back raw must give the same bytes again.
      ModelInferRequest rawReq = ModelInferRequest.newBuilder().setModelName(id)
          .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("x")
              .setDatatype(type.name()).addShape(1).addShape(2))
          .addRawInputContents(raw).build();
      assertThat(node.inference.modelInfer(rawReq).getRawOutputContents(0)).isEqualTo(raw);
      if (type == DataType.INT64) {
        ByteBuffer b = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getLong()).isEqualTo(-5);
        assertThat(b.getLong()).isEqualTo(1L << 40);
      }
    }
  }

  @Test
  void registrationSemantics() throws Exception {
    Path file = model(1);
    assertThat(node.register("reg-a", file).getStatus()).isEqualTo(ModelStatus.NOT_LOADED);
    assertThat(node.register("reg-a", file).getStatus()).isEqualTo(ModelStatus.NOT_LOADED);
    assertThatThrownBy(() -> node.register("reg-a", model(2)))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS));
    assertThatThrownBy(() -> node.mesh.registerModel(RegisterModelRequest.newBuilder()
        .setModelId("no-type").setModelInfo(ModelInfo.newBuilder().setPath("x")).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));

    var loaded = node.mesh.registerModel(RegisterModelRequest.newBuilder().setModelId("reg-b")
        .setModelInfo(ModelInfo.newBuilder().setType("onnx").setPath(file.toUri().toString()))
        .setLoadNow(true).setSync(true).build());
    assertThat(loaded.getStatus()).isEqualTo(ModelStatus.LOADED);
    assertThat(loaded.getModelCopyInfos(0).getLocation()).isEqualTo("test-node");

    Path broken = Files.write(dir.resolve("broken.onnx"), new byte[] {9, 9, 9});
    var failed = node.mesh.registerModel(RegisterModelRequest.newBuilder().setModelId("reg-bad")
        .setModelInfo(ModelInfo.newBuilder().setType("onnx").setPath(broken.toString()))
        .setLoadNow(true).setSync(true).build());
    assertThat(failed.getStatus()).isEqualTo(ModelStatus.LOADING_FAILED);
    assertThat(failed.getErrors(0)).contains("could not load");
    assertThatThrownBy(() -> node.inference.modelInfer(rawRequest("reg-bad",
        new float[] {1, 2, 3, 4})))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
          assertThat(e.getStatus().getDescription()).contains("could not load");
        });

    node.mesh.unregisterModel(UnregisterModelRequest.newBuilder().setModelId("reg-b").build());
    assertThat(node.mesh.getModelStatus(GetStatusRequest.newBuilder().setModelId("reg-b")
        .build()).getStatus()).isEqualTo(ModelStatus.NOT_FOUND);
    node.mesh.unregisterModel(UnregisterModelRequest.newBuilder().setModelId("never").build());
  }

  @Test
  void metricsAreExposedInPrometheusText() {
    node.inference.modelInfer(rawRequest("m2", new float[] {1, 2, 3, 4}));
    String text = node.scrapeMetrics();
    assertThat(text).contains("densemesh_request_seconds_count{method=\"ModelInfer\"");
    assertThat(text).contains("densemesh_cache_hits_total");
    assertThat(text).contains("densemesh_cache_misses_total");
    assertThat(text).contains("densemesh_model_loads_total{result=\"success\"}");
    assertThat(text).contains("densemesh_capacity_bytes");
    assertThat(text).containsPattern("densemesh_model_size_bytes_sum [1-9]");
    assertThat(text).contains("densemesh_used_bytes");
    assertThat(text).contains("densemesh_models_loaded");
    assertThat(text).contains("densemesh_evictions_total");
  }
}
