package io.densemesh.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.densemesh.runtime.DataType;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.error.InvalidInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTensorCodecTest {

  static final ObjectMapper JSON = new ObjectMapper();
  final JsonTensorCodec codec = new JsonTensorCodec(1000);

  InferRequest read(String body) {
    return codec.read(body.getBytes(StandardCharsets.UTF_8));
  }

  static String fp32(String data) {
    return "{\"inputs\": [{\"name\": \"x\", \"shape\": [2, 2], \"datatype\": \"FP32\", \"data\": "
        + data + "}]}";
  }

  static float[] floats(Tensor t) {
    ByteBuffer b = t.data();
    float[] out = new float[b.remaining() / 4];
    for (int i = 0; i < out.length; i++) {
      out[i] = b.getFloat();
    }
    return out;
  }

  @Test
  void readsNestedAndFlatDataRowMajor() {
    Tensor nested = read(fp32("[[1, 2.5], [-3, 4e1]]")).tensors().get(0);
    Tensor flat = read(fp32("[1, 2.5, -3, 40]")).tensors().get(0);
    assertThat(nested.name()).isEqualTo("x");
    assertThat(nested.dataType()).isEqualTo(DataType.FP32);
    assertThat(nested.shape()).containsExactly(2, 2);
    assertThat(floats(nested)).containsExactly(1f, 2.5f, -3f, 40f);
    assertThat(flat.data()).isEqualTo(nested.data());
  }

  @Test
  void fieldsInAnyOrderDataBeforeDatatypeAndShape() {
    Tensor t = read("{\"inputs\": [{\"data\": [[1, 2], [3, 4]], \"name\": \"x\", "
        + "\"shape\": [2, 2], \"datatype\": \"INT16\"}]}").tensors().get(0);
    ByteBuffer b = t.data();
    assertThat(new short[] {b.getShort(), b.getShort(), b.getShort(), b.getShort()})
        .containsExactly((short) 1, (short) 2, (short) 3, (short) 4);
  }

  @Test
  void everyDatatypeEncodesLittleEndianRaw() {
    assertThat(one("BOOL", "[true, false]").data().get(1)).isEqualTo((byte) 0);
    assertThat(one("UINT8", "[255, 0]").data().get(0)).isEqualTo((byte) 0xFF);
    assertThat(one("INT64", "[-5, 1099511627776]").data().getLong(8)).isEqualTo(1L << 40);
    assertThat(one("UINT64", "[18446744073709551615, 1]").data().getLong(0)).isEqualTo(-1L);
    assertThat(one("FP64", "[1.5, -2e100]").data().getDouble(8)).isEqualTo(-2e100);
    assertThat(one("FP16", "[1.0, 0.5]").data().getShort(0)).isEqualTo((short) 0x3C00);
    assertThat(one("BF16", "[1.0, 2.0]").data().getShort(2)).isEqualTo((short) 0x4000);
    ByteBuffer bytes = one("BYTES", "[\"héllo\", \"\"]").data();
    assertThat(bytes.getInt()).isEqualTo(6);
    byte[] first = new byte[6];
    bytes.get(first);
    assertThat(new String(first, StandardCharsets.UTF_8)).isEqualTo("héllo");
    assertThat(bytes.getInt()).isZero();
    assertThat(bytes.remaining()).isZero();
  }

  Tensor one(String type, String data) {
    return read("{\"inputs\": [{\"name\": \"v\", \"shape\": [2], \"datatype\": \"" + type
        + "\", \"data\": " + data + "}]}").tensors().get(0);
  }

  @ParameterizedTest
  @ValueSource(strings = {"\"r1\"", "42", "-1.5", "true", "null", "{\"a\": [1, 2]}", "[\"x\", 3]"})
  void theIdOfAnyJsonTypeIsAnsweredExactlyAsSent(String id) throws IOException {
    InferRequest request = read("{\"id\": " + id + ", \"inputs\": []}");
    assertThat(request.id()).contains(JSON.readTree(id));
    byte[] written = JsonTensorCodec.write(InferResponse.answering(request, "m", "1", List.of()));
    JsonNode response = JSON.readTree(written);
    assertThat(response.has("id")).isTrue();
    assertThat(response.get("id")).isEqualTo(JSON.readTree(id));
  }

  @Test
  void noIdNoIdInTheAnswer() throws IOException {
    InferRequest request = read("{\"inputs\": []}");
    assertThat(request.id()).isEmpty();
    JsonNode response = JSON.readTree(JsonTensorCodec.write(
        InferResponse.answering(request, "m", "1", List.of())));
    assertThat(response.has("id")).isFalse();
    assertThat(response.get("model_name").asText()).isEqualTo("m");
  }

  @Test
  void parametersAreKeptAndRequestedOutputParametersAreAnswered() throws IOException {
    InferRequest request = read("""
        {"parameters": {"binary_data_output": false, "priority": 3},
         "inputs": [{"name": "x", "shape": [1], "datatype": "INT32", "data": [7],
                     "parameters": {"content_type": "np"}}],
         "outputs": [{"name": "y", "parameters": {"binary_data": false, "classification": 2}},
                     {"name": "z"}]}""");
    assertThat(request.parameters()).containsOnlyKeys("binary_data_output", "priority");
    assertThat(request.parameters().get("priority").asInt()).isEqualTo(3);
    assertThat(request.inputs().get(0).parameters().get("content_type").asText())
        .isEqualTo("np");
    assertThat(request.outputNames()).containsExactly("y", "z");
    Tensor y = new Tensor("y", DataType.INT32, new long[] {1},
        ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 9));
    Tensor z = new Tensor("z", DataType.BOOL, new long[] {1}, ByteBuffer.wrap(new byte[] {1}));
    JsonNode response = JSON.readTree(JsonTensorCodec.write(
        InferResponse.answering(request, "m", "1", List.of(y, z))));
    assertThat(response.has("parameters")).as("request parameters are not echoed").isFalse();
    JsonNode outY = response.get("outputs").get(0);
    assertThat(outY.get("parameters")).isEqualTo(JSON.readTree(
        "{\"binary_data\": false, \"classification\": 2}"));
    assertThat(outY.get("data").get(0).asInt()).isEqualTo(9);
    assertThat(outY.get("shape").toString()).isEqualTo("[1]");
    assertThat(response.get("outputs").get(1).has("parameters")).isFalse();
    assertThat(response.get("outputs").get(1).get("data").get(0).asBoolean()).isTrue();
  }

  @Test
  void malformedJsonIsInvalidInput() {
    for (String body : List.of("{not json", "", "[1, 2]", "\"text\"", "{\"inputs\": [",
        "{\"inputs\": []} trailing", "{\"inputs\": [], \"inputs\": []}",
        fp32("[1, 2, 3,]"), fp32("[1, 2, NaN, nan]"))) {
      assertThatThrownBy(() -> read(body)).as(body).isInstanceOf(InvalidInputException.class)
          .hasMessageNotContaining("Exception");
    }
  }

  @Test
  void wrongTypesAreNamed() {
    assertRefused(reading("FP33", "[1, 2]"), "FP33");
    assertRefused(reading("FP32", "[1, \"2\"]"), "FP32 elements must be numbers, got a string");
    assertRefused(reading("INT32", "[1, 2.5]"), "INT32 elements must be integers");
    assertRefused(reading("BOOL", "[1, 0]"), "BOOL elements must be true/false");
    assertRefused(reading("BYTES", "[1, 2]"), "BYTES elements must be strings");
    assertRefused(reading("INT8", "[1, 128]"), "value 128 is out of range for INT8");
    assertRefused(reading("UINT8", "[1, -1]"), "out of range for UINT8");
    assertRefused(reading("INT64", "[1, 9223372036854775808]"), "out of range for INT64");
    assertRefused(reading("FP32", "[1, {\"a\": 1}]"), "data holds an object");
    assertRefused(() -> read("{\"inputs\": {}}"), "needs an \"inputs\" array");
    assertRefused(() -> read("{\"inputs\": [1]}"), "input #0 must be a JSON object");
    assertRefused(() -> read("{\"inputs\": [{\"name\": \"x\", \"shape\": [1.5], "
        + "\"datatype\": \"FP32\", \"data\": [1]}]}"), "shape holds a non-integer");
    assertRefused(() -> read("{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", "
        + "\"data\": [1]}]}"), "needs a \"shape\" array");
    assertRefused(() -> read("{\"inputs\": [{\"name\": \"x\", \"shape\": [1], "
        + "\"datatype\": \"FP32\"}]}"), "has no \"data\"");
    assertRefused(() -> read("{\"inputs\": [{\"name\": \"\", \"shape\": [1], "
        + "\"datatype\": \"FP32\", \"data\": [1]}]}"), "non-empty string \"name\"");
    assertRefused(() -> read(fp32("[1, 2, 3]")), "has 3 elements in data, its shape needs 4");
    assertRefused(() -> read(fp32("[1, 2, 3, 4, 5]")), "more elements in data than its shape");
    assertRefused(() -> read("{\"inputs\": [], \"outputs\": [{\"name\": \"a\"}, "
        + "{\"name\": \"a\"}]}"), "output 'a' is requested twice");
    assertRefused(() -> read("{\"inputs\": [], \"outputs\": {}}"), "must be an array");
    assertRefused(() -> read("{\"inputs\": [], \"parameters\": [1]}"), "must be a JSON object");
  }

  private void assertRefused(Runnable call, String message) {
    assertThatThrownBy(call::run).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining(message);
  }

  private Runnable reading(String type, String data) {
    return () -> one(type, data);
  }

  @Test
  void aShapeOverTheElementLimitIsRefusedBeforeItsData() {
    // The data is not valid JSON at all: the shape is refused before the parser gets there.
    assertRefused(() -> read("{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", "
        + "\"shape\": [1001], \"data\": [oops"), "describes 1001 elements, more than the limit"
        + " of 1000");
  }

  @Test
  void dataOverTheElementLimitIsRefusedAtTheFirstElementPastIt() {
    // An endless array without a shape first: refused after the limit, never read to its end.
    EndlessArray body = new EndlessArray("{\"inputs\": [{\"name\": \"x\", \"datatype\": "
        + "\"FP32\", \"data\": [");
    assertRefused(() -> codec.read(body), "its data has more than 1000 elements, more than the"
        + " limit of 1000");
    assertThat(body.served).as("bytes read before the refusal").isLessThan(64 * 1024);
    EndlessArray early = new EndlessArray("{\"inputs\": [{\"name\": \"x\", \"data\": [");
    assertRefused(() -> codec.read(early), "more than the limit of 1000");
    assertThat(early.served).isLessThan(64 * 1024);
  }

  @Test
  void aShapeWithAbsurdRankIsRefused() {
    String ones = "1, ".repeat(JsonTensorCodec.MAX_RANK) + "1";
    assertRefused(() -> read("{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", "
        + "\"shape\": [" + ones + "], \"data\": [1]}]}"), "more than 64 dimensions");
  }

  @Test
  void unknownFieldsAreSkipped() {
    InferRequest request = read("{\"extra\": {\"deep\": [1, {\"x\": 2}]}, \"inputs\": [{"
        + "\"name\": \"x\", \"shape\": [1], \"datatype\": \"FP32\", \"data\": [1], "
        + "\"note\": [1, 2, 3]}], \"outputs\": null}");
    assertThat(request.tensors()).hasSize(1);
    assertThat(request.outputs()).isEmpty();
    assertThat(request.parameters()).isEqualTo(Map.of());
  }

  /** A body that is a prefix and then {@code 1, } forever; counts the bytes it served. */
  static final class EndlessArray extends InputStream {
    private final byte[] prefix;
    private final byte[] element = "1, ".getBytes(StandardCharsets.US_ASCII);
    long served;

    EndlessArray(String prefix) {
      this.prefix = prefix.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public int read() {
      byte b = served < prefix.length ? prefix[(int) served]
          : element[(int) ((served - prefix.length) % element.length)];
      served++;
      return b;
    }
  }

  @Test
  void nanAndInfinityLiteralsAreFloatElementsAsKservesServerReadsThem() {
    Tensor t = read(fp32("[NaN, Infinity, -Infinity, 1.5]")).tensors().get(0);
    float[] v = floats(t);
    assertThat(v[0]).isNaN();
    assertThat(v[1]).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(v[2]).isEqualTo(Float.NEGATIVE_INFINITY);
    assertThat(v[3]).isEqualTo(1.5f);
    assertThatThrownBy(() -> read("{\"inputs\": [{\"name\": \"i\", \"shape\": [1],"
        + " \"datatype\": \"INT32\", \"data\": [NaN]}]}"))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("must be integers");
  }

  @Test
  void binaryInputsTakeTheirBytesFromTheTailInOrderAndJsonInputsStayJson() {
    String json = "{\"inputs\": [{\"name\": \"a\", \"shape\": [1], \"datatype\": \"FP32\","
        + " \"parameters\": {\"binary_data_size\": 4}}, {\"name\": \"b\", \"shape\": [1],"
        + " \"datatype\": \"INT32\", \"data\": [7]}, {\"name\": \"c\", \"shape\": [2],"
        + " \"datatype\": \"FP32\", \"parameters\": {\"binary_data_size\": 8}}]}";
    ByteBuffer tail = ByteBuffer.allocate(12).order(java.nio.ByteOrder.LITTLE_ENDIAN)
        .putFloat(1f).putFloat(2f).putFloat(3f).flip();

    InferRequest request = codec.read(
        new java.io.ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)),
        BinaryTail.of(tail));

    assertThat(floats(request.tensors().get(0))).containsExactly(1f);
    assertThat(request.tensors().get(1).data().getInt()).isEqualTo(7);
    assertThat(floats(request.tensors().get(2))).containsExactly(2f, 3f);
    assertThat(request.inputs().get(0).parameters()).containsKey("binary_data_size");

    assertThatThrownBy(() -> codec.read(
        new java.io.ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)),
        BinaryTail.of(ByteBuffer.allocate(16))))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("4 bytes of binary data after the JSON header belong to no input");
    assertThatThrownBy(() -> read(json)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("no Inference-Header-Content-Length header");
  }
}
