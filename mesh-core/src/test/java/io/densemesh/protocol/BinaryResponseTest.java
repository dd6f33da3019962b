package io.densemesh.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.densemesh.runtime.DataType;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.error.InvalidInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The response side of the binary tensor data extension: which outputs go binary, the JSON
 * header first with binary_data_size, the header length, and the JSON values KServe's server
 * writes (NaN and infinities as null, UINT64 unsigned, id as given).
 */
class BinaryResponseTest {

  static final ObjectMapper MAPPER = new ObjectMapper();
  static final String NO_VERSION = "";

  static Tensor fp32(String name, float... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return new Tensor(name, DataType.FP32, new long[] {values.length}, b.flip());
  }

  static Tensor tensor(String name, DataType type, long[] shape, byte[] bytes) {
    return new Tensor(name, type, shape, ByteBuffer.wrap(bytes));
  }

  static JsonNode bool(boolean v) {
    return BooleanNode.valueOf(v);
  }

  static JsonNode header(BinaryResponse.Encoded e) throws Exception {
    return MAPPER.readTree(Arrays.copyOf(e.body(), e.headerLength()));
  }

  /** A response with id "req-1", no version, no parameters. */
  static InferResponse response(Tensor... tensors) {
    return new InferResponse("m", NO_VERSION, Optional.of(TextNode.valueOf("req-1")), Map.of(),
        Arrays.stream(tensors).map(t -> new InferResponse.Output(t, Map.of())).toList());
  }

  /** The forms a request with these parameters and requested outputs asks for. */
  static OutputForms forms(Map<String, JsonNode> request,
      Map<String, Map<String, JsonNode>> outputs) {
    List<InferRequest.RequestedOutput> requested = outputs.entrySet().stream()
        .map(e -> new InferRequest.RequestedOutput(e.getKey(), e.getValue())).toList();
    return OutputForms.of(new InferRequest(Optional.empty(), request, List.of(), requested));
  }

  @Test
  void withoutBinaryRequestsTheAnswerIsPlainJson() throws Exception {
    BinaryResponse.Encoded e = BinaryResponse.encode(response(fp32("y", 1.5f, -2f)),
        OutputForms.JSON);

    assertThat(e.hasBinary()).isFalse();
    assertThat(e.contentType()).isEqualTo("application/json");
    assertThat(e.body()).isEqualTo(e.json());
    JsonNode json = MAPPER.readTree(e.json());
    assertThat(json.toString()).isEqualTo("{\"model_name\":\"m\",\"id\":\"req-1\",\"outputs\":"
        + "[{\"name\":\"y\",\"datatype\":\"FP32\",\"shape\":[2],\"data\":[1.5,-2.0]}]}");
  }

  @Test
  void binaryOutputsFollowTheJsonHeaderInOrderWithTheirSizes() throws Exception {
    Tensor a = fp32("a", 1f, 2f, 3f);
    Tensor b = fp32("b", 4f);
    Tensor c = fp32("c", 5f, 6f);
    OutputForms forms = forms(Map.of("binary_data_output", bool(true)),
        Map.of("b", Map.of("binary_data", bool(false))));

    BinaryResponse.Encoded e = BinaryResponse.encode(response(a, b, c), forms);

    assertThat(e.hasBinary()).isTrue();
    assertThat(e.contentType()).isEqualTo("application/octet-stream");
    JsonNode json = header(e);
    assertThat(json.get("outputs").get(0).get("parameters").get("binary_data_size").asInt())
        .isEqualTo(12);
    assertThat(json.get("outputs").get(0).has("data")).isFalse();
    assertThat(json.get("outputs").get(1).get("data").toString()).isEqualTo("[4.0]");
    assertThat(json.get("outputs").get(1).has("parameters")).isFalse();
    assertThat(json.get("outputs").get(2).get("parameters").get("binary_data_size").asInt())
        .isEqualTo(8);
    byte[] body = e.body();
    assertThat(body).hasSize(e.headerLength() + 12 + 8);
    assertThat(e.bodyLength()).isEqualTo(body.length);
    assertThat(ByteBuffer.wrap(body, e.headerLength(), 12)).isEqualTo(a.data());
    assertThat(ByteBuffer.wrap(body, e.headerLength() + 12, 8)).isEqualTo(c.data());
  }

  @Test
  void anOutputsOwnFlagWinsOverTheRequestsAndUnflaggedOutputsFollowTheRequest() {
    OutputForms forms = forms(Map.of(),
        Map.of("x", Map.of("binary_data", bool(true)), "y", Map.of()));
    assertThat(forms.binary("x")).isTrue();
    assertThat(forms.binary("y")).isFalse();
    assertThat(forms.binary("not-requested")).isFalse();

    OutputForms all = forms(Map.of("binary_data_output", bool(true)),
        Map.of("x", Map.of("binary_data", bool(false)), "y", Map.of()));
    assertThat(all.binary("x")).isFalse();
    assertThat(all.binary("y")).as("no own flag: the request's").isTrue();

    assertThatThrownBy(() -> forms(Map.of("binary_data_output", IntNode.valueOf(1)),
        Map.of()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("binary_data_output of the request must be a boolean");
  }

  @Test
  void theHeadCarriesTheVersionAskedForTheIdAsGivenAndParameters() throws Exception {
    Tensor t = fp32("y", 1f);
    InferResponse response = new InferResponse("m", "1", Optional.of(IntNode.valueOf(42)),
        Map.of("count", IntNode.valueOf(3), "ratio", DoubleNode.valueOf(Double.NaN)),
        List.of(new InferResponse.Output(t, Map.of("note", TextNode.valueOf("hi")))));
    BinaryResponse.Encoded e = BinaryResponse.encode(response,
        forms(Map.of("binary_data_output", bool(true)), Map.of()));

    JsonNode json = header(e);
    assertThat(json.get("model_version").asText()).isEqualTo("1");
    assertThat(json.get("id").isInt()).as("a numeric id stays a number").isTrue();
    assertThat(json.get("id").asInt()).isEqualTo(42);
    assertThat(json.get("parameters").get("count").asInt()).isEqualTo(3);
    assertThat(json.get("parameters").get("ratio").isNull()).isTrue();
    JsonNode params = json.get("outputs").get(0).get("parameters");
    assertThat(params.get("note").asText()).isEqualTo("hi");
    assertThat(params.get("binary_data_size").asInt()).isEqualTo(4);
  }

  @Test
  void nanAndInfinitiesAreNullInJsonAsKserveWritesThemAndExactInBinary() throws Exception {
    Tensor t = fp32("y", Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0.25f);
    BinaryResponse.Encoded json = BinaryResponse.encode(response(t), OutputForms.JSON);
    assertThat(MAPPER.readTree(json.json()).get("outputs").get(0).get("data").toString())
        .isEqualTo("[null,null,null,0.25]");

    BinaryResponse.Encoded binary = BinaryResponse.encode(response(t),
        forms(Map.of("binary_data_output", bool(true)), Map.of()));
    ByteBuffer tail = ByteBuffer.wrap(binary.body(), binary.headerLength(), 16)
        .order(ByteOrder.LITTLE_ENDIAN);
    assertThat(tail.getFloat()).isNaN();
    assertThat(tail.getFloat()).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(tail.getFloat()).isEqualTo(Float.NEGATIVE_INFINITY);
  }

  @Test
  void everyDatatypeIsWrittenAsItsJsonValue() throws Exception {
    ByteBuffer u64 = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(-1L).flip();
    ByteBuffer bf16 = ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN)
        .putShort((short) (Float.floatToIntBits(1.5f) >>> 16)).flip();
    ByteBuffer fp16 = ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN)
        .putShort((short) 0x3C00).flip();
    List<Tensor> tensors = List.of(
        tensor("bool", DataType.BOOL, new long[] {2}, new byte[] {1, 0}),
        tensor("u8", DataType.UINT8, new long[] {1}, new byte[] {(byte) 250}),
        tensor("i8", DataType.INT8, new long[] {1}, new byte[] {(byte) -6}),
        new Tensor("u64", DataType.UINT64, new long[] {1}, u64),
        new Tensor("bf16", DataType.BF16, new long[] {1}, bf16),
        new Tensor("fp16", DataType.FP16, new long[] {1}, fp16),
        tensor("s", DataType.BYTES, new long[] {1}, new byte[] {2, 0, 0, 0, 'h', 'i'}));
    JsonNode out = MAPPER.readTree(BinaryResponse.encode(response(tensors.toArray(Tensor[]::new)),
        OutputForms.JSON).json()).get("outputs");
    assertThat(out.get(0).get("data").toString()).isEqualTo("[true,false]");
    assertThat(out.get(1).get("data").toString()).isEqualTo("[250]");
    assertThat(out.get(2).get("data").toString()).isEqualTo("[-6]");
    assertThat(out.get(3).get("data").toString()).isEqualTo("[18446744073709551615]");
    assertThat(out.get(4).get("data").toString()).isEqualTo("[1.5]");
    assertThat(out.get(5).get("data").toString()).isEqualTo("[1.0]");
    assertThat(out.get(6).get("data").toString()).isEqualTo("[\"hi\"]");
  }

  @Test
  void bytesThatAreNotUtf8CanOnlyTravelAsBinary() {
    Tensor t = tensor("s", DataType.BYTES, new long[] {1}, new byte[] {1, 0, 0, 0, (byte) 0xFF});
    assertThatThrownBy(() -> BinaryResponse.encode(response(t), OutputForms.JSON))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("output 's' element 0 is not UTF-8 text")
        .hasMessageContaining("ask for the output as binary data");

    BinaryResponse.Encoded e = BinaryResponse.encode(response(t),
        forms(Map.of(), Map.of("s", Map.of("binary_data", bool(true)))));
    assertThat(Arrays.copyOfRange(e.body(), e.headerLength(), e.body().length))
        .containsExactly(1, 0, 0, 0, 0xFF);
  }

  @Test
  void aZeroByteBinaryOutputAddsNothingToTheBody() throws Exception {
    Tensor empty = new Tensor("e", DataType.FP32, new long[] {0}, ByteBuffer.allocate(0));
    BinaryResponse.Encoded e = BinaryResponse.encode(response(empty),
        forms(Map.of("binary_data_output", bool(true)), Map.of()));
    assertThat(e.hasBinary()).as("as Triton: no length header without binary bytes").isFalse();
    assertThat(header(e).get("outputs").get(0).get("parameters").get("binary_data_size").asInt())
        .isZero();
  }
}
