package io.densemesh.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.densemesh.runtime.DataType;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.TensorSpec;
import io.densemesh.runtime.error.InvalidInputException;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GenerateCodecTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final List<TensorSpec> TEXT_MODEL =
      List.of(new TensorSpec("text", DataType.BYTES, List.of(-1L)));
  final GenerateCodec codec = new GenerateCodec(100);

  InferRequest read(String body, List<TensorSpec> inputs) {
    return codec.read(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)), inputs);
  }

  static List<String> strings(Tensor t) {
    ByteBuffer b = t.data();
    List<String> out = new java.util.ArrayList<>();
    while (b.hasRemaining()) {
      byte[] s = new byte[b.getInt()];
      b.get(s);
      out.add(new String(s, StandardCharsets.UTF_8));
    }
    return out;
  }

  @Test
  void textInputFeedsTheOneStringInputAndOtherFieldsAreParameters() {
    InferRequest r = read("{\"text_input\": [\"a\", \"bc\"], \"id\": 7, \"stream\": false,"
        + " \"parameters\": {\"temperature\": 0.5}}", TEXT_MODEL);

    Tensor text = r.tensors().get(0);
    assertThat(text.name()).isEqualTo("text");
    assertThat(text.shape()).containsExactly(2);
    assertThat(strings(text)).containsExactly("a", "bc");
    assertThat(r.id()).hasValueSatisfying(id -> assertThat(id.asInt()).isEqualTo(7));
    assertThat(r.parameters()).containsOnlyKeys("stream", "temperature");
    assertThat(r.parameters().get("temperature").asDouble()).isEqualTo(0.5);
  }

  @Test
  void aLoneValueIsOneElement() {
    Tensor text = read("{\"text\": \"only\"}", TEXT_MODEL).tensors().get(0);
    assertThat(text.shape()).containsExactly(1);
    assertThat(strings(text)).containsExactly("only");
  }

  @Test
  void shapesFollowTritonsRule() {
    TensorSpec pairs = new TensorSpec("x", DataType.INT32, List.of(-1L, 2L));
    TensorSpec grid = new TensorSpec("x", DataType.INT32, List.of(-1L, -1L));
    TensorSpec fixed = new TensorSpec("x", DataType.INT32, List.of(2L, 3L));
    assertThat(GenerateCodec.shape(pairs, 6)).containsExactly(3, 2);
    assertThat(GenerateCodec.shape(grid, 5)).containsExactly(1, 5);
    assertThat(GenerateCodec.shape(fixed, 6)).containsExactly(2, 3);
    assertThatThrownBy(() -> GenerateCodec.shape(pairs, 5))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("cannot make input 'x'");
    assertThatThrownBy(() -> GenerateCodec.shape(fixed, 3))
        .isInstanceOf(InvalidInputException.class);
    Tensor t = read("{\"x\": [1, 2, 3, 4]}", List.of(pairs)).tensors().get(0);
    assertThat(t.shape()).containsExactly(2, 2);
    ByteBuffer b = t.data().order(ByteOrder.LITTLE_ENDIAN);
    assertThat(b.getInt(12)).isEqualTo(4);
  }

  @Test
  void badBodiesAreInvalidInputNamingTheProblem() {
    assertThatThrownBy(() -> read("{\"text\": [[\"a\"]]}", TEXT_MODEL))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("flat array");
    assertThatThrownBy(() -> read("{\"text\": [1]}", TEXT_MODEL))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("BYTES");
    assertThatThrownBy(() -> read("{\"text\": \"a\", \"text_input\": \"b\"}", TEXT_MODEL))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("twice");
    assertThatThrownBy(() -> read("{\"text\": \"a\", \"p\": {}}", TEXT_MODEL))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("parameter 'p'");
    assertThatThrownBy(() -> read("{\"x\": 1}", TEXT_MODEL))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("none of the model");
    assertThatThrownBy(() -> read("{\"text\": [" + "\"a\",".repeat(100) + "\"b\"]}",
        TEXT_MODEL)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("limit of 100");
  }

  @Test
  void writesOneElementOutputsAsScalarsAndOthersAsFlatArrays() throws Exception {
    ByteBuffer label = ByteBuffer.allocate(9).order(ByteOrder.LITTLE_ENDIAN);
    label.putInt(5).put("hello".getBytes(StandardCharsets.UTF_8)).flip();
    ByteBuffer scores = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    scores.putFloat(1).putFloat(2).putFloat(3).putFloat(4).flip();

    JsonNode answer = JSON.readTree(GenerateCodec.write("m", "1",
        Optional.of(JSON.getNodeFactory().textNode("q")), List.of(
            new Tensor("label", DataType.BYTES, new long[] {1}, label),
            new Tensor("scores", DataType.FP32, new long[] {2, 2}, scores))));

    assertThat(answer.toString()).isEqualTo("{\"id\":\"q\",\"model_name\":\"m\","
        + "\"model_version\":\"1\",\"label\":\"hello\",\"scores\":[1.0,2.0,3.0,4.0]}");
  }
}
