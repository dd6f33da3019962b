package io.densemesh.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.densemesh.runtime.DataType;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.error.InvalidInputException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The binary splitter on arbitrary bodies and Inference-Header-Content-Length values: framing and
 * reading the inputs a JSON header declares either answers tensors or refuses with {@link
 * InvalidInputException}, nothing else escapes; the tensors it read account for every binary byte
 * and, framed again behind the same header, read back to the same bytes.
 *
 * <p>Input layout: the first byte picks the header value (below 240: that number; 240: no header;
 * 241-243: "", "-1", "x"; above: a large number), the rest is the body. Corpus:
 * BinaryTensorDataFuzzTestInputs.
 */
class BinaryTensorDataFuzzTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** What a JSON header says about one input, as the REST parser hands it to the codec. */
  record Declared(String name, DataType type, long[] shape, long size) {}

  @FuzzTest(maxDuration = "30s")
  void framesOrRefusesAndReadsBack(byte[] input) {
    if (input.length == 0) {
      return;
    }
    String header = headerValue(input[0] & 0xFF);
    ByteBuffer body = ByteBuffer.wrap(input, 1, input.length - 1).slice();
    List<Declared> declared = new ArrayList<>();
    List<Tensor> tensors;
    int tailBytes;
    try {
      BinaryTensorData.Split split = BinaryTensorData.split(body, header);
      tailBytes = split.tail().remaining();
      JsonNode json;
      try {
        json = MAPPER.readTree(copy(split.json()));
      } catch (java.io.IOException notJson) {
        return; // the JSON parser's business, not the splitter's
      }
      tensors = read(json, split.tail(), declared);
    } catch (InvalidInputException refused) {
      assertThat(refused.getMessage()).isNotBlank();
      return;
    }
    long taken = tensors.stream().mapToLong(t -> t.data().remaining()).sum();
    assertThat(taken).as("every binary byte belongs to an input").isEqualTo(tailBytes);

    if (header == null) {
      return; // no binary part to frame again
    }
    int jsonLength = Integer.parseInt(header);
    ByteArrayOutputStream again = new ByteArrayOutputStream();
    again.write(input, 1, jsonLength);
    tensors.forEach(t -> again.writeBytes(copy(t.data())));
    BinaryTensorData.Split reframed =
        BinaryTensorData.split(ByteBuffer.wrap(again.toByteArray()), header);
    for (int i = 0; i < declared.size(); i++) {
      Declared d = declared.get(i);
      Tensor back = reframed.tail().take(d.name(), d.type(), d.shape(), d.size());
      assertThat(back.data()).isEqualTo(tensors.get(i).data());
      assertThat(back.shape()).isEqualTo(tensors.get(i).shape());
    }
    reframed.tail().requireConsumed();
  }

  private static String headerValue(int b) {
    if (b < 240) {
      return Integer.toString(b);
    }
    return switch (b) {
      case 240 -> null;
      case 241 -> "";
      case 242 -> "-1";
      case 243 -> "x";
      default -> Integer.toString(b * 1_000_000);
    };
  }

  /** Reads the binary inputs a JSON header declares, in order, as the REST parser does. */
  private static List<Tensor> read(JsonNode json, BinaryTail tail, List<Declared> declared) {
    List<Tensor> tensors = new ArrayList<>();
    JsonNode inputs = json.path("inputs");
    for (JsonNode in : inputs) {
      if (!in.isObject()) {
        throw new InvalidInputException("an input must be a JSON object");
      }
      String name = in.path("name").asText("");
      DataType type = DataType.fromWire(in.path("datatype").asText(""));
      JsonNode shapeNode = in.path("shape");
      if (!shapeNode.isArray()) {
        throw new InvalidInputException("input '" + name + "' needs a \"shape\" array");
      }
      long[] shape = new long[shapeNode.size()];
      for (int i = 0; i < shape.length; i++) {
        JsonNode d = shapeNode.get(i);
        if (!d.isIntegralNumber() || !d.canConvertToLong()) {
          throw new InvalidInputException("input '" + name + "' shape holds a non-integer");
        }
        shape[i] = d.asLong();
      }
      long size = BinaryTensorData.binaryDataSize(name, parameters(in.path("parameters")));
      BinaryTensorData.requireOneSource(name, in.has("data"), size);
      if (size >= 0) {
        tensors.add(tail.take(name, type, shape, size));
        declared.add(new Declared(name, type, shape, size));
      }
    }
    tail.requireConsumed();
    return tensors;
  }

  private static Map<String, JsonNode> parameters(JsonNode node) {
    Map<String, JsonNode> out = new HashMap<>();
    node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }

  private static byte[] copy(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }
}
