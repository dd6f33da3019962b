package io.densemesh.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.error.InvalidInputException;
import java.io.IOException;
import java.util.List;

/**
 * The streaming JSON codec on arbitrary request bodies: reading answers a request or refuses with
 * {@link InvalidInputException}, nothing else escapes; a request it read writes back (as a
 * response) to JSON that reads again to the same names, types and shapes, with the same bytes
 * for every datatype that is not a float (floats reach a fixed point after one round, since
 * numbers past a type's range become infinities). Corpus: JsonTensorCodecFuzzTestInputs.
 */
class JsonTensorCodecFuzzTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonTensorCodec CODEC = new JsonTensorCodec(1 << 16);

  @FuzzTest(maxDuration = "30s")
  void decodesOrRefusesAndRoundTrips(byte[] body) throws IOException {
    InferRequest request;
    try {
      request = CODEC.read(body);
    } catch (InvalidInputException refused) {
      assertThat(refused.getMessage()).isNotBlank();
      return;
    }
    byte[] written = JsonTensorCodec.write(
        InferResponse.answering(request, "m", "1", request.tensors()));
    JsonNode response = JSON.readTree(written);
    assertThat(response.get("id")).isEqualTo(request.id().orElse(null));
    List<Tensor> once = again(response);
    if (once == null) {
      return; // a float past its type's range became an infinity, which JSON cannot carry back
    }
    assertSame(request.tensors(), once, false);
    List<Tensor> twice = again(JSON.readTree(JsonTensorCodec.write(
        InferResponse.answering(request, "m", "1", once))));
    assertSame(once, twice, true);
  }

  /** The response's outputs, read back as a request's inputs (non-finite floats: none). */
  private static List<Tensor> again(JsonNode response) throws IOException {
    ObjectNode request = JSON.createObjectNode();
    request.set("inputs", response.get("outputs"));
    // NaN and infinities are written as null (as KServe writes them): no way back.
    for (JsonNode output : response.get("outputs")) {
      for (JsonNode element : output.get("data")) {
        if (element.isNull()) {
          return null;
        }
      }
    }
    return CODEC.read(JSON.writeValueAsBytes(request)).tensors();
  }

  private static void assertSame(List<Tensor> a, List<Tensor> b, boolean floatsToo) {
    if (b == null) {
      return;
    }
    assertThat(b).hasSameSizeAs(a);
    for (int i = 0; i < a.size(); i++) {
      assertThat(b.get(i).name()).isEqualTo(a.get(i).name());
      assertThat(b.get(i).dataType()).isEqualTo(a.get(i).dataType());
      assertThat(b.get(i).shape()).isEqualTo(a.get(i).shape());
      if (floatsToo || !a.get(i).dataType().name().startsWith("FP")
          && a.get(i).dataType() != io.densemesh.runtime.DataType.BF16) {
        assertThat(b.get(i).data()).isEqualTo(a.get(i).data());
      }
    }
  }
}
