package io.densemesh.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.densemesh.api.inference.InferTensorContents;
import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.api.inference.ModelInferResponse;
import io.densemesh.runtime.DataType;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.error.InvalidInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The codec's forwarding direction: tensors into a request, a runtime's response into tensors. */
class ForwardedTensorsTest {

  @Test
  void inputsSurviveTheRoundTripThroughARequest() {
    ByteBuffer data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
        .putFloat(1.5f).putFloat(-2f).flip();
    ModelInferRequest.Builder request = ModelInferRequest.newBuilder();
    ProtoTensorCodec.encodeInputs(
        List.of(new Tensor("x", DataType.FP32, new long[] {1, 2}, data)), request);
    List<Tensor> back = ProtoTensorCodec.inputs(request.build());
    assertThat(back).hasSize(1);
    assertThat(back.get(0).shape()).containsExactly(1, 2);
    assertThat(back.get(0).data().getFloat(4)).isEqualTo(-2f);
  }

  @Test
  void outputsComeFromRawOrTypedContents() {
    ModelInferResponse typed = ModelInferResponse.newBuilder()
        .addOutputs(ModelInferResponse.InferOutputTensor.newBuilder().setName("y")
            .setDatatype("INT32").addShape(3)
            .setContents(InferTensorContents.newBuilder().addIntContents(7).addIntContents(-1)
                .addIntContents(2)))
        .build();
    Tensor y = ProtoTensorCodec.outputs(typed).get(0);
    assertThat(y.dataType()).isEqualTo(DataType.INT32);
    assertThat(y.data().getInt(4)).isEqualTo(-1);

    ModelInferResponse raw = ModelInferResponse.newBuilder()
        .addOutputs(ModelInferResponse.InferOutputTensor.newBuilder().setName("z")
            .setDatatype("INT64").addShape(1))
        .addRawOutputContents(ByteString.copyFrom(new byte[] {9, 0, 0, 0, 0, 0, 0, 0}))
        .build();
    assertThat(ProtoTensorCodec.outputs(raw).get(0).data().getLong(0)).isEqualTo(9);
  }

  @Test
  void rawBytesThatDisagreeWithTheShapeAreRefused() {
    ModelInferResponse bad = ModelInferResponse.newBuilder()
        .addOutputs(ModelInferResponse.InferOutputTensor.newBuilder().setName("z")
            .setDatatype("FP32").addShape(2))
        .addRawOutputContents(ByteString.copyFrom(new byte[4]))
        .build();
    assertThatThrownBy(() -> ProtoTensorCodec.outputs(bad))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("its shape needs 8");
  }
}
