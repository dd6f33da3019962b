package io.densemesh.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.error.InvalidInputException;
import java.util.List;

/**
 * The V2 proto codec on arbitrary request bytes: decoding answers tensors or refuses with {@link
 * InvalidInputException}, nothing else escapes; tensors it decoded encode and decode back to the
 * same names, types, shapes and bytes. Corpus: ProtoTensorCodecFuzzTestInputs.
 */
class ProtoTensorCodecFuzzTest {

  @FuzzTest(maxDuration = "30s")
  void decodesOrRefusesAndRoundTrips(byte[] body) {
    ModelInferRequest request;
    try {
      request = ModelInferRequest.parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      return;
    }
    List<Tensor> tensors;
    try {
      tensors = ProtoTensorCodec.inputs(request);
      ProtoTensorCodec.requestedOutputs(request);
    } catch (InvalidInputException refused) {
      assertThat(refused.getMessage()).isNotBlank();
      return;
    }
    ModelInferRequest.Builder again = ModelInferRequest.newBuilder();
    ProtoTensorCodec.encodeInputs(tensors, again);
    List<Tensor> decoded = ProtoTensorCodec.inputs(again.build());
    assertThat(decoded).hasSameSizeAs(tensors);
    for (int i = 0; i < tensors.size(); i++) {
      Tensor a = tensors.get(i);
      Tensor b = decoded.get(i);
      assertThat(b.name()).isEqualTo(a.name());
      assertThat(b.dataType()).isEqualTo(a.dataType());
      assertThat(b.shape()).isEqualTo(a.shape());
      assertThat(b.data()).isEqualTo(a.data());
    }
  }
}
