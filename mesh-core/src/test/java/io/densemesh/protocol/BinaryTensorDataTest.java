package io.densemesh.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.densemesh.runtime.DataType;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.error.InvalidInputException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The request side of the binary tensor data extension: framing a body by its
 * Inference-Header-Content-Length, reading each input's bytes in order with their checks, and
 * the extension's parameters.
 */
class BinaryTensorDataTest {

  static final String JSON = "{\"inputs\":[]}";

  /** A body as KServe's and Triton's Python clients send it: the JSON, then the tensors. */
  static ByteBuffer body(String json, byte[]... tensors) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(json.getBytes(StandardCharsets.UTF_8));
    for (byte[] t : tensors) {
      out.writeBytes(t);
    }
    return ByteBuffer.wrap(out.toByteArray());
  }

  static byte[] floats(float... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return b.array();
  }

  /** BYTES elements as numpy's serialize_byte_tensor lays them out. */
  static byte[] strings(String... values) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String v : values) {
      byte[] s = v.getBytes(StandardCharsets.UTF_8);
      out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(s.length)
          .array());
      out.writeBytes(s);
    }
    return out.toByteArray();
  }

  static String text(ByteBuffer b) {
    return StandardCharsets.UTF_8.decode(b.duplicate()).toString();
  }

  static float[] floatsOf(Tensor t) {
    ByteBuffer b = t.data();
    float[] out = new float[b.remaining() / 4];
    for (int i = 0; i < out.length; i++) {
      out[i] = b.getFloat();
    }
    return out;
  }

  @Test
  void theHeaderLengthSplitsJsonFromTheTensorsWhichAreReadInOrder() {
    byte[] a = floats(1f, 2f, 3f, 4f);
    byte[] b = strings("héllo", "");
    ByteBuffer body = body(JSON, a, b);

    BinaryTensorData.Split split = BinaryTensorData.split(body, Integer.toString(JSON.length()));

    assertThat(text(split.json())).isEqualTo(JSON);
    assertThat(split.tail().remaining()).isEqualTo(a.length + b.length);
    Tensor first = split.tail().take("a", DataType.FP32, new long[] {2, 2}, a.length);
    Tensor second = split.tail().take("b", DataType.BYTES, new long[] {2}, b.length);
    split.tail().requireConsumed();
    assertThat(floatsOf(first)).containsExactly(1f, 2f, 3f, 4f);
    assertThat(first.shape()).containsExactly(2, 2);
    assertThat(second.data()).isEqualTo(ByteBuffer.wrap(b));
  }

  @Test
  void tensorsAreViewsOfTheBodyNotCopies() {
    byte[] bytes = body(JSON, floats(5f)).array();
    BinaryTensorData.Split split =
        BinaryTensorData.split(ByteBuffer.wrap(bytes), Integer.toString(JSON.length()));
    Tensor t = split.tail().take("x", DataType.FP32, new long[] {1}, 4);

    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putFloat(JSON.length(), 9f);

    assertThat(floatsOf(t)).containsExactly(9f);
  }

  @Test
  void withoutTheHeaderTheWholeBodyIsJsonAndABinaryInputIsRefusedByName() {
    BinaryTensorData.Split split = BinaryTensorData.split(body(JSON), null);

    assertThat(text(split.json())).isEqualTo(JSON);
    assertThat(split.tail().remaining()).isZero();
    assertThatThrownBy(() -> split.tail().take("x", DataType.FP32, new long[] {1}, 4))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("input 'x'")
        .hasMessageContaining("no Inference-Header-Content-Length header");
    // A zero-size binary input needs no bytes (Triton accepts it too).
    assertThat(split.tail().take("e", DataType.FP32, new long[] {0}, 0).elementCount()).isZero();
    split.tail().requireConsumed();
  }

  @Test
  void aHeaderLengthThatIsNotAByteCountWithinTheBodyIsRefused() {
    ByteBuffer body = body(JSON, floats(1f));
    for (String bad : new String[] {"", "abc", "-1", "+3", "1e3", "12 34",
        "99999999999999999999"}) {
      assertThatThrownBy(() -> BinaryTensorData.split(body, bad)).as(bad)
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("Inference-Header-Content-Length must be the JSON header's length");
    }
    assertThatThrownBy(() -> BinaryTensorData.split(body, "18"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("Inference-Header-Content-Length is 18 but the body has only 17 bytes");
    assertThatThrownBy(() -> BinaryTensorData.split(body, "0"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("is 0: a body without a JSON inference header is not supported");
    assertThat(text(BinaryTensorData.split(body, " 13 ").json())).as("whitespace is trimmed")
        .isEqualTo(JSON);
  }

  @Test
  void controlCharactersOfABadHeaderValueDoNotReachTheMessage() {
    assertThatThrownBy(() -> BinaryTensorData.split(body(JSON), "1\n2"))
        .hasMessageContaining("'1?2'");
  }

  @Test
  void aSizeThatDoesNotMatchShapeAndDatatypeIsNamed() {
    BinaryTensorData.Split split = BinaryTensorData.split(body(JSON, floats(1f, 2f, 3f)), "13");

    assertThatThrownBy(() -> split.tail().take("x", DataType.FP32, new long[] {1, 2}, 12))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("input 'x' has binary_data_size 12 but its shape [1, 2] of FP32 needs 8"
            + " bytes");
    assertThatThrownBy(() -> split.tail().take("x", DataType.FP64, new long[] {2}, 12))
        .hasMessageContaining("needs 16 bytes");
    assertThat(split.tail().remaining()).as("a refused take consumes nothing").isEqualTo(12);
  }

  @Test
  void sizesBeyondTheBodyAndBytesLeftOverAreRefused() {
    BinaryTensorData.Split split = BinaryTensorData.split(body(JSON, floats(1f, 2f)), "13");
    split.tail().take("a", DataType.FP32, new long[] {1}, 4);

    assertThatThrownBy(() -> split.tail().take("b", DataType.FP32, new long[] {2}, 8))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("input 'b' has binary_data_size 8 but only 4 bytes of binary data are left"
            + " after the inputs before it");
    assertThatThrownBy(() -> split.tail().requireConsumed())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("4 bytes of binary data after the JSON header belong to no input"
            + " (the inputs' binary_data_size add up to 4)");
    assertThatThrownBy(() -> split.tail().take("c", DataType.FP32, new long[] {1}, -1))
        .hasMessageContaining("must be >= 0");
    assertThatThrownBy(() -> split.tail().take("d", DataType.FP32, new long[] {-1}, 4))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("negative dimension");
  }

  @Test
  void bytesElementsMustFillTheirSizeAndMatchTheShape() {
    byte[] two = strings("ab", "c");
    BinaryTensorData.Split split = BinaryTensorData.split(body(JSON, two), "13");
    assertThatThrownBy(() -> split.tail().take("s", DataType.BYTES, new long[] {3}, two.length))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("input 's' has 2 BYTES elements in its binary data, its shape [3] needs 3");
    assertThatThrownBy(() -> split.tail().take("s", DataType.BYTES, new long[] {1}, 7))
        .hasMessage("input 's' BYTES element 1 is cut off: 1 bytes left where its 4-byte length"
            + " belongs");

    byte[] overlong = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN).putInt(-1).array();
    BinaryTensorData.Split lying = BinaryTensorData.split(body(JSON, overlong), "13");
    assertThatThrownBy(() -> lying.tail().take("s", DataType.BYTES, new long[] {1}, 6))
        .hasMessage("input 's' BYTES element 0 declares 4294967295 bytes but only 2 are left in"
            + " its binary_data_size");
  }

  @Test
  void boolBytesMustBeZeroOrOne() {
    BinaryTensorData.Split split =
        BinaryTensorData.split(body(JSON, new byte[] {1, 0, 2}), "13");
    assertThatThrownBy(() -> split.tail().take("b", DataType.BOOL, new long[] {3}, 3))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("input 'b' is BOOL but its element 2 is the byte 2 (true is 1, false 0)");

    BinaryTensorData.Split good = BinaryTensorData.split(body(JSON, new byte[] {1, 0, 1}), "13");
    assertThat(good.tail().take("b", DataType.BOOL, new long[] {3}, 3).data())
        .isEqualTo(ByteBuffer.wrap(new byte[] {1, 0, 1}));
  }

  @Test
  void binaryDataSizeIsANonNegativeIntegerParameter() {
    assertThat(BinaryTensorData.binaryDataSize("x", Map.of())).isEqualTo(-1);
    assertThat(BinaryTensorData.binaryDataSize("x",
        Map.of("binary_data_size", IntNode.valueOf(16)))).isEqualTo(16);
    assertThat(BinaryTensorData.binaryDataSize("x",
        Map.of("binary_data_size", LongNode.valueOf(1L << 33)))).isEqualTo(1L << 33);
    for (JsonNode bad : new JsonNode[] {IntNode.valueOf(-1), DoubleNode.valueOf(16.0),
        TextNode.valueOf("16"), BooleanNode.TRUE, NullNode.instance,
        BigIntegerNode.valueOf(java.math.BigInteger.ONE.shiftLeft(70))}) {
      assertThatThrownBy(() -> BinaryTensorData.binaryDataSize("x",
          Map.of("binary_data_size", bad))).as(bad.toString())
          .isInstanceOf(InvalidInputException.class)
          .hasMessageStartingWith("parameter binary_data_size of input 'x' must be a"
              + " non-negative integer");
    }
  }

  @Test
  void anInputCarriesItsDataOneWay() {
    BinaryTensorData.requireOneSource("x", true, -1);
    BinaryTensorData.requireOneSource("x", false, 0);
    assertThatThrownBy(() -> BinaryTensorData.requireOneSource("x", true, 4))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("input 'x' sets both \"data\" and the binary_data_size parameter; send its"
            + " data one way");
    assertThatThrownBy(() -> BinaryTensorData.requireOneSource("x", false, -1))
        .hasMessage("input 'x' has no \"data\" and no binary_data_size parameter");
  }

  @Test
  void flagsAreBooleansOrAbsent() {
    assertThat(BinaryTensorData.flag("the request", "binary_data_output", Map.of())).isNull();
    assertThat(BinaryTensorData.flag("the request", "binary_data_output",
        Map.of("binary_data_output", BooleanNode.TRUE))).isTrue();
    assertThatThrownBy(() -> BinaryTensorData.flag("output 'y'", "binary_data",
        Map.of("binary_data", TextNode.valueOf("true"))))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("parameter binary_data of output 'y' must be a boolean, got the string"
            + " \"true\"");
  }
}
