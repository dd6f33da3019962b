package io.densemesh.rest;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.densemesh.runtime.DataType;
import io.densemesh.runtime.onnx.gen.SampleModels;
import io.densemesh.testing.TestNode;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Black box over HTTP: requests built byte for byte as KServe's and Triton's published Python
 * HTTP clients build them (binary tensor data: the JSON header, then the tensors, framed by
 * Inference-Header-Content-Length), answers read as those clients read them, and the numbers
 * checked against ONNX Runtime's own output for the same model and input. Plus NaN/Infinity as
 * KServe's server reads and writes them, the REST repository endpoints, and error answers.
 */
class StockClientRestIT {

  static final long SEED = 21;
  static final int F = 4;
  static final int C = 3;
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static TestNode node;
  static Path linear;

  @BeforeAll
  static void start() throws Exception {
    node = new TestNode(dir.resolve("data"));
    linear = Files.write(dir.resolve("linear.onnx"), SampleModels.linearClassifier(SEED, F, C));
    node.register("linear", linear);
    node.register("id-fp32", Files.write(dir.resolve("id-fp32.onnx"),
        SampleModels.identity(DataType.FP32, 2)));
    node.register("id-bytes", Files.write(dir.resolve("id-bytes.onnx"),
        SampleModels.identity(DataType.BYTES, 2)));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  // ---- the clients' framing ----

  /** An input as InferInput.set_data_from_numpy(array, binary_data=True) leaves it. */
  record BinaryInput(String name, long[] shape, String datatype, byte[] raw) {}

  /**
   * KServe's InferRequest.to_rest() + InferenceRESTClient.infer(): orjson's compact JSON with
   * id, model_name, inputs (binary_data_size), outputs (binary_data), parameters; then the raw
   * inputs; headers inference-header-content-length and content-type application/octet-stream.
   */
  static HttpRequest kserveRequest(String model, List<BinaryInput> inputs,
      Map<String, Boolean> outputs, Map<String, Object> parameters) {
    StringBuilder json = new StringBuilder("{\"id\":\"").append(UUID.randomUUID())
        .append("\",\"model_name\":\"").append(model).append("\",\"inputs\":[");
    appendInputs(json, inputs);
    json.append(']');
    if (!outputs.isEmpty()) {
      json.append(",\"outputs\":[");
      String sep = "";
      for (Map.Entry<String, Boolean> o : outputs.entrySet()) {
        json.append(sep).append("{\"name\":\"").append(o.getKey())
            .append("\",\"parameters\":{\"binary_data\":").append(o.getValue()).append("}}");
        sep = ",";
      }
      json.append(']');
    }
    if (!parameters.isEmpty()) {
      json.append(",\"parameters\":").append(compact(parameters));
    }
    json.append('}');
    return framed("/v2/models/" + model + "/infer", json.toString(), inputs)
        .header("content-type", "application/octet-stream").build();
  }

  /**
   * Triton's tritonclient.http _get_inference_request() + infer(): rapidjson's compact JSON with
   * inputs and, when no outputs are named, "binary_data_output": true; then the raw inputs; the
   * Inference-Header-Content-Length header and no content type.
   */
  static HttpRequest tritonRequest(String model, List<BinaryInput> inputs) {
    StringBuilder json = new StringBuilder("{\"inputs\":[");
    appendInputs(json, inputs);
    json.append("],\"parameters\":{\"binary_data_output\":true}}");
    return framed("/v2/models/" + model + "/infer", json.toString(), inputs).build();
  }

  private static void appendInputs(StringBuilder json, List<BinaryInput> inputs) {
    String sep = "";
    for (BinaryInput in : inputs) {
      json.append(sep).append("{\"name\":\"").append(in.name()).append("\",\"shape\":[");
      json.append(String.join(",", Arrays.stream(in.shape()).mapToObj(Long::toString).toList()));
      json.append("],\"datatype\":\"").append(in.datatype())
          .append("\",\"parameters\":{\"binary_data_size\":").append(in.raw().length)
          .append("}}");
      sep = ",";
    }
  }

  private static String compact(Map<String, Object> values) {
    try {
      return JSON.writeValueAsString(values);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static HttpRequest.Builder framed(String path, String json, List<BinaryInput> inputs) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    byte[] header = json.getBytes(StandardCharsets.UTF_8);
    body.writeBytes(header);
    inputs.forEach(in -> body.writeBytes(in.raw()));
    return HttpRequest.newBuilder(node.rest(path))
        .header("Inference-Header-Content-Length", Integer.toString(header.length))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
  }

  /** A response read as both clients read it: JSON up to the header length, then the tensors. */
  record Answer(int status, JsonNode json, Map<String, byte[]> binary, HttpResponse<byte[]> raw) {}

  static Answer send(HttpRequest request) throws Exception {
    HttpResponse<byte[]> response = node.sendBytes(request);
    byte[] body = response.body();
    int jsonLength = response.headers().firstValue("Inference-Header-Content-Length")
        .map(Integer::parseInt).orElse(body.length);
    JsonNode json = JSON.readTree(Arrays.copyOf(body, jsonLength));
    Map<String, byte[]> binary = new LinkedHashMap<>();
    int at = jsonLength;
    if (json.has("outputs")) {
      for (JsonNode out : json.get("outputs")) {
        JsonNode size = out.path("parameters").get("binary_data_size");
        if (size != null) {
          binary.put(out.get("name").asText(),
              Arrays.copyOfRange(body, at, at + size.asInt()));
          at += size.asInt();
        }
      }
    }
    assertThat(at).as("every body byte read").isEqualTo(body.length);
    return new Answer(response.statusCode(), json, binary, response);
  }

  static byte[] floats(float... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return b.array();
  }

  static float[] floatsOf(byte[] raw) {
    ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[raw.length / 4];
    for (int i = 0; i < out.length; i++) {
      out[i] = b.getFloat();
    }
    return out;
  }

  /** What ONNX Runtime itself computes for the linear model on {@code rows}. */
  static Map<String, float[]> onnxRuntime(float[] rows, int n) throws Exception {
    ai.djl.engine.Engine.getEngine("OnnxRuntime"); // DJL owns the ORT environment's setup
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession session = env.createSession(linear.toString(), new OrtSession.SessionOptions());
        OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(rows), new long[] {n, F});
        OrtSession.Result result = session.run(Map.of(SampleModels.INPUT, x))) {
      Map<String, float[]> out = new LinkedHashMap<>();
      for (String name : List.of(SampleModels.LOGITS, SampleModels.PROBABILITIES)) {
        float[][] values = (float[][]) result.get(name).orElseThrow().getValue();
        out.put(name, flatten(values));
      }
      return out;
    }
  }

  static float[] flatten(float[][] rows) {
    float[] out = new float[rows.length * rows[0].length];
    for (int r = 0; r < rows.length; r++) {
      System.arraycopy(rows[r], 0, out, r * rows[0].length, rows[0].length);
    }
    return out;
  }

  static final float[] ROWS = {0.5f, -1.25f, 2f, 0.75f, 3f, 0f, -0.5f, 1e-3f};

  // ---- the tests ----

  @Test
  void kserveClientBinaryInAndOutMatchesOnnxRuntimeBitForBit() throws Exception {
    Answer a = send(kserveRequest("linear",
        List.of(new BinaryInput(SampleModels.INPUT, new long[] {2, F}, "FP32", floats(ROWS))),
        Map.of(SampleModels.LOGITS, true, SampleModels.PROBABILITIES, true), Map.of()));

    assertThat(a.status()).as(a.json().toString()).isEqualTo(200);
    assertThat(a.raw().headers().firstValue("content-type")).contains("application/octet-stream");
    assertThat(a.json().get("model_name").asText()).isEqualTo("linear");
    assertThat(a.json().has("model_version")).as("no version asked, none claimed").isFalse();
    Map<String, float[]> expected = onnxRuntime(ROWS, 2);
    assertThat(floatsOf(a.binary().get(SampleModels.LOGITS)))
        .containsExactly(expected.get(SampleModels.LOGITS));
    assertThat(floatsOf(a.binary().get(SampleModels.PROBABILITIES)))
        .containsExactly(expected.get(SampleModels.PROBABILITIES));
  }

  @Test
  void kserveClientMixedOutputsAnswerJsonWhereAskedAndEchoTheId() throws Exception {
    HttpRequest request = kserveRequest("linear",
        List.of(new BinaryInput(SampleModels.INPUT, new long[] {2, F}, "FP32", floats(ROWS))),
        new LinkedHashMap<>(Map.of(SampleModels.LOGITS, false)), Map.of("trace", "on"));
    Answer a = send(request);

    assertThat(a.status()).as(a.json().toString()).isEqualTo(200);
    assertThat(a.raw().headers().firstValue("Inference-Header-Content-Length")).isEmpty();
    assertThat(a.json().get("id").asText()).hasSize(36);
    JsonNode logits = a.json().get("outputs").get(0);
    assertThat(logits.get("name").asText()).isEqualTo(SampleModels.LOGITS);
    float[] json = new float[logits.get("data").size()];
    for (int i = 0; i < json.length; i++) {
      json[i] = (float) logits.get("data").get(i).asDouble();
    }
    assertThat(json).containsExactly(onnxRuntime(ROWS, 2).get(SampleModels.LOGITS));
  }

  @Test
  void tritonClientDefaultCallGetsEveryOutputAsBinary() throws Exception {
    Answer a = send(tritonRequest("linear",
        List.of(new BinaryInput(SampleModels.INPUT, new long[] {2, F}, "FP32", floats(ROWS)))));

    assertThat(a.status()).as(a.json().toString()).isEqualTo(200);
    assertThat(a.binary()).containsOnlyKeys(SampleModels.LOGITS, SampleModels.PROBABILITIES);
    Map<String, float[]> expected = onnxRuntime(ROWS, 2);
    assertThat(floatsOf(a.binary().get(SampleModels.PROBABILITIES)))
        .containsExactly(expected.get(SampleModels.PROBABILITIES));
  }

  @Test
  void bytesTravelLengthPrefixedAsNumpysSerializeByteTensorLaysThemOut() throws Exception {
    byte[] hello = "héllo".getBytes(StandardCharsets.UTF_8);
    ByteBuffer raw = ByteBuffer.allocate(4 + hello.length + 4).order(ByteOrder.LITTLE_ENDIAN)
        .putInt(hello.length).put(hello).putInt(0);
    Answer binary = send(tritonRequest("id-bytes",
        List.of(new BinaryInput("x", new long[] {1, 2}, "BYTES", raw.array()))));
    assertThat(binary.status()).as(binary.json().toString()).isEqualTo(200);
    assertThat(binary.binary().get("y")).isEqualTo(raw.array());

    Answer json = send(kserveRequest("id-bytes",
        List.of(new BinaryInput("x", new long[] {1, 2}, "BYTES", raw.array())),
        Map.of("y", false), Map.of()));
    assertThat(json.json().get("outputs").get(0).get("data").toString())
        .isEqualTo("[\"héllo\",\"\"]");
  }

  @Test
  void nanAndInfinityAreReadAsKservesServerReadsThemAndWrittenAsItWritesThem()
      throws Exception {
    String body = "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,2],\"datatype\":\"FP32\","
        + "\"data\":[NaN,-Infinity]}]}";
    HttpResponse<byte[]> asJson = node.sendBytes(HttpRequest.newBuilder(
            node.rest("/v2/models/id-fp32/infer")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    assertThat(asJson.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(asJson.body()).get("outputs").get(0).get("data").toString())
        .as("orjson writes NaN and infinities as null").isEqualTo("[null,null]");

    Answer exact = send(HttpRequest.newBuilder(node.rest("/v2/models/id-fp32/infer"))
        .POST(HttpRequest.BodyPublishers.ofString(body.replace("]}]}",
            "]}],\"parameters\":{\"binary_data_output\":true}}"))).build());
    float[] y = floatsOf(exact.binary().get("y"));
    assertThat(y[0]).isNaN();
    assertThat(y[1]).isEqualTo(Float.NEGATIVE_INFINITY);
  }

  @Test
  void framingMistakesAreNamedWith400AndTheProtocolsErrorObject() throws Exception {
    byte[] rows = floats(ROWS);
    List<BinaryInput> wrongSize = List.of(new BinaryInput(SampleModels.INPUT,
        new long[] {1, F}, "FP32", rows));
    Answer a = send(tritonRequest("linear", wrongSize));
    assertThat(a.status()).isEqualTo(400);
    assertThat(a.json().get("error").asText()).isEqualTo("input 'input' has binary_data_size 32"
        + " but its shape [1, 4] of FP32 needs 16 bytes");

    HttpResponse<byte[]> badHeader = node.sendBytes(HttpRequest.newBuilder(
            node.rest("/v2/models/linear/infer"))
        .header("Inference-Header-Content-Length", "x12")
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build());
    assertThat(badHeader.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(badHeader.body()).get("error").asText())
        .startsWith("Inference-Header-Content-Length must be the JSON header's length");
  }

  @Test
  void theRepositoryEndpointsLoadUnloadAndIndexAsKserveAndTritonAnswer() throws Exception {
    HttpResponse<byte[]> loaded = post("/v2/repository/models/linear/load", "");
    assertThat(loaded.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(loaded.body()).toString())
        .isEqualTo("{\"name\":\"linear\",\"load\":true}");
    JsonNode index = JSON.readTree(post("/v2/repository/index", "{\"ready\":true}").body());
    assertThat(index.toString()).contains("{\"name\":\"linear\",\"version\":\"1\","
        + "\"state\":\"READY\",\"reason\":\"\"}");

    HttpResponse<byte[]> unloaded = post("/v2/repository/models/linear/unload", "{}");
    assertThat(JSON.readTree(unloaded.body()).toString())
        .isEqualTo("{\"name\":\"linear\",\"unload\":true}");
    JsonNode after = JSON.readTree(post("/v2/repository/index", "").body());
    for (JsonNode entry : after) {
      if (entry.get("name").asText().equals("linear")) {
        assertThat(entry.get("state").asText()).isEqualTo("UNAVAILABLE");
      }
    }
    assertThat(node.get("/v2/models/linear/ready").statusCode()).isEqualTo(503);

    HttpResponse<byte[]> unknown = post("/v2/repository/models/nope/load", "");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(unknown.body()).get("error").asText())
        .isEqualTo("model 'nope' is not registered");
    HttpResponse<byte[]> override = post("/v2/repository/models/linear/load",
        "{\"parameters\":{\"config\":\"{}\"}}");
    assertThat(override.statusCode()).isEqualTo(400);
    assertThat(node.send(HttpRequest.newBuilder(node.rest("/v2/repository/index")).GET().build())
        .statusCode()).isEqualTo(405);
  }

  @Test
  void serverMetadataListsTheExtensions() throws Exception {
    assertThat(JSON.readTree(node.get("/v2").body()).get("extensions").toString())
        .isEqualTo("[\"binary_tensor_data\",\"model_repository\",\"generate\"]");
  }

  static HttpResponse<byte[]> post(String path, String body) {
    return node.sendBytes(HttpRequest.newBuilder(node.rest(path))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  static final Path ONNX_NODE_TESTS = Path.of("/usr/share/libonnx-testdata/data/node");

  /** The ONNX project's own test model {@code name} (Debian's libonnx-testdata), registered. */
  static String onnxTestModel(String name) throws Exception {
    Path source = ONNX_NODE_TESTS.resolve(name).resolve("model.onnx");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(source),
        "Debian's libonnx-testdata is installed (.ci/run installs it)");
    Path copy = Files.copy(source, dir.resolve(name + ".onnx"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    node.register(name, copy);
    return name;
  }

  /** ONNX Runtime's own first output of model {@code name} for one float input. */
  static Object onnxRuntimeRun(String name, float[] values, long[] shape) throws Exception {
    ai.djl.engine.Engine.getEngine("OnnxRuntime");
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession session = env.createSession(dir.resolve(name + ".onnx").toString(),
            new OrtSession.SessionOptions());
        OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(values), shape);
        OrtSession.Result result =
            session.run(Map.of(session.getInputNames().iterator().next(), x))) {
      return result.get(0).getValue(); // Java arrays: valid after the session closes
    }
  }

  @Test
  void theOnnxProjectsIsnanAndCastModelsTakeNanAndInfinityOverRest() throws Exception {
    String isnan = onnxTestModel("test_isnan");
    HttpResponse<byte[]> r = post("/v2/models/" + isnan + "/infer", "{\"inputs\":[{\"name\":"
        + "\"x\",\"shape\":[4],\"datatype\":\"FP32\",\"data\":[NaN,1.5,Infinity,-Infinity]}]}");
    assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
    float[] in = {Float.NaN, 1.5f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
    boolean[] flags = (boolean[]) onnxRuntimeRun(isnan, in, new long[] {4});
    assertThat(JSON.readTree(r.body()).get("outputs").get(0).get("data").toString())
        .isEqualTo(Arrays.toString(flags).replace(" ", ""));
    assertThat(flags[0]).isTrue();

    String cast = onnxTestModel("test_cast_FLOAT_to_STRING");
    float[] values = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0.5f,
        1f, -2.25f, 3e10f, 0f, 7f, 8f, 9f, 10f};
    StringBuilder data = new StringBuilder();
    for (float v : values) {
      data.append(data.length() == 0 ? "" : ",").append(Float.isNaN(v) ? "NaN"
          : Float.isInfinite(v) ? (v > 0 ? "Infinity" : "-Infinity") : Float.toString(v));
    }
    HttpResponse<byte[]> c = post("/v2/models/" + cast + "/infer", "{\"inputs\":[{\"name\":"
        + "\"input\",\"shape\":[3,4],\"datatype\":\"FP32\",\"data\":[" + data + "]}]}");
    assertThat(c.statusCode()).as(new String(c.body(), StandardCharsets.UTF_8)).isEqualTo(200);
    String[][] strings = (String[][]) onnxRuntimeRun(cast, values, new long[] {3, 4});
    List<String> flat = Arrays.stream(strings).flatMap(Arrays::stream).toList();
    JsonNode got = JSON.readTree(c.body()).get("outputs").get(0).get("data");
    assertThat(got).hasSize(12);
    for (int i = 0; i < 12; i++) {
      assertThat(got.get(i).asText()).as("element %d", i).isEqualTo(flat.get(i));
    }
  }
}
