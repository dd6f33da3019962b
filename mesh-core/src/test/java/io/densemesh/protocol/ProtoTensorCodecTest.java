package io.densemesh.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.densemesh.api.inference.InferTensorContents;
import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.runtime.DataType;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.error.InvalidInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class ProtoTensorCodecTest {

  private static ModelInferRequest.InferInputTensor.Builder input(String type, long... shape) {
    ModelInferRequest.InferInputTensor.Builder b =
        ModelInferRequest.InferInputTensor.newBuilder().setName("x").setDatatype(type);
    for (long d : shape) {
      b.addShape(d);
    }
    return b;
  }

  @Test
  void typedContentsBecomeLittleEndianRawBytes() {
    ModelInferRequest req = ModelInferRequest.newBuilder().addInputs(input("INT16", 3)
        .setContents(InferTensorContents.newBuilder().addIntContents(1).addIntContents(-2)
            .addIntContents(300))).build();
    Tensor t = ProtoTensorCodec.inputs(req).get(0);
    ByteBuffer b = t.data();
    assertThat(t.dataType()).isEqualTo(DataType.INT16);
    assertThat(b.getShort()).isEqualTo((short) 1);
    assertThat(b.getShort()).isEqualTo((short) -2);
    assertThat(b.getShort()).isEqualTo((short) 300);
    assertThat(b.remaining()).isZero();
  }

  @Test
  void bytesContentsAreLengthPrefixed() {
    ModelInferRequest req = ModelInferRequest.newBuilder().addInputs(input("BYTES", 2)
        .setContents(InferTensorContents.newBuilder().addBytesContents(ByteString.copyFromUtf8(
            "ab")).addBytesContents(ByteString.EMPTY))).build();
    ByteBuffer b = ProtoTensorCodec.inputs(req).get(0).data();
    assertThat(b.getInt()).isEqualTo(2);
    assertThat(b.get()).isEqualTo((byte) 'a');
    assertThat(b.get()).isEqualTo((byte) 'b');
    assertThat(b.getInt()).isZero();
  }

  @Test
  void rawContentsAreViewedNotParsed() {
    byte[] raw = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f)
        .putFloat(-2f).array();
    ModelInferRequest req = ModelInferRequest.newBuilder().addInputs(input("FP32", 1, 2))
        .addRawInputContents(ByteString.copyFrom(raw)).build();
    Tensor t = ProtoTensorCodec.inputs(req).get(0);
    assertThat(t.data().getFloat()).isEqualTo(1.5f);
    assertThat(t.shape()).containsExactly(1, 2);
  }

  @Test
  void rejectsProtocolLevelMistakes() {
    assertRejected(ModelInferRequest.newBuilder().addInputs(input("FP32", 2)
        .setContents(InferTensorContents.newBuilder().addFp32Contents(1)))
        .addRawInputContents(ByteString.copyFrom(new byte[8])).build(), "one or the other");
    assertRejected(ModelInferRequest.newBuilder().addInputs(input("FP32", 2)
        .setContents(InferTensorContents.newBuilder().addFp32Contents(1))).build(),
        "has 1 elements in contents, its shape needs 2");
    assertRejected(ModelInferRequest.newBuilder().addInputs(input("FP32", 1)
        .setContents(InferTensorContents.newBuilder().addIntContents(1))).build(),
        "field of another type");
    assertRejected(ModelInferRequest.newBuilder().addInputs(input("FLOAT", 1)).build(),
        "unknown datatype 'FLOAT'");
    assertRejected(ModelInferRequest.newBuilder().addInputs(input("FP32", -3)).build(),
        "negative dimension");
    assertRejected(ModelInferRequest.newBuilder().addInputs(input("INT8", 1)
        .setContents(InferTensorContents.newBuilder().addIntContents(200))).build(),
        "out of range");
    assertRejected(ModelInferRequest.newBuilder().addInputs(input("FP32", 1))
        .addInputs(input("FP32", 1).setName("z"))
        .addRawInputContents(ByteString.copyFrom(new byte[4])).build(),
        "1 entries for 2 inputs");
  }

  private static void assertRejected(ModelInferRequest req, String message) {
    assertThatThrownBy(() -> ProtoTensorCodec.inputs(req))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining(message);
  }

  @Test
  void halfFloatRoundTrips() {
    for (float v : new float[] {0f, 1f, -2.5f, 65504f, 0.5f, -0.000061035156f}) {
      assertThat(HalfFloat.toFloat(HalfFloat.fromFloat(v))).isEqualTo(v);
    }
    assertThat(HalfFloat.toFloat(HalfFloat.fromFloat(1e6f))).isInfinite();
  }

  @Test
  void outputsAnswerTypedForATypedRequestAndRawForARawOneAsKserveDoes() {
    InferTensorContents contents = InferTensorContents.newBuilder().addUintContents(7)
        .addUintContents(250).build();
    ModelInferRequest typed = ModelInferRequest.newBuilder().addInputs(input("UINT8", 2)
        .setContents(contents)).build();
    java.util.List<Tensor> outputs = ProtoTensorCodec.inputs(typed); // an identity's answer

    io.densemesh.api.inference.ModelInferResponse.Builder answer =
        io.densemesh.api.inference.ModelInferResponse.newBuilder();
    ProtoTensorCodec.encodeOutputs(typed, outputs, answer);
    assertThat(answer.getRawOutputContentsCount()).isZero();
    assertThat(answer.getOutputs(0).getContents()).isEqualTo(contents);

    ModelInferRequest raw = ModelInferRequest.newBuilder().addInputs(input("UINT8", 2))
        .addRawInputContents(ByteString.copyFrom(new byte[] {7, (byte) 250})).build();
    io.densemesh.api.inference.ModelInferResponse.Builder rawAnswer =
        io.densemesh.api.inference.ModelInferResponse.newBuilder();
    ProtoTensorCodec.encodeOutputs(raw, outputs, rawAnswer);
    assertThat(rawAnswer.getOutputs(0).hasContents()).isFalse();
    assertThat(rawAnswer.getRawOutputContents(0).toByteArray()).containsExactly(7, 250);
  }

  @Test
  void aHalfPrecisionOutputMakesEveryOutputRawAsItHasNoTypedField() {
    ModelInferRequest typed = ModelInferRequest.newBuilder().addInputs(input("FP32", 1)
        .setContents(InferTensorContents.newBuilder().addFp32Contents(1f))).build();
    Tensor half = new Tensor("h", DataType.FP16, new long[] {1},
        ByteBuffer.wrap(new byte[] {0, 0x3C}));
    Tensor single = ProtoTensorCodec.inputs(typed).get(0);
    assertThat(ProtoTensorCodec.answersRaw(typed, java.util.List.of(single))).isFalse();
    assertThat(ProtoTensorCodec.answersRaw(typed, java.util.List.of(single, half))).isTrue();
  }

  @Test
  void typedOutputsOfEveryTypedDatatypeDecodeBackToTheSameBytes() {
    for (DataType type : DataType.values()) {
      if (type == DataType.FP16 || type == DataType.BF16) {
        continue;
      }
      ByteBuffer bytes = type == DataType.BYTES
          ? ByteBuffer.wrap(new byte[] {1, 0, 0, 0, 'a', 0, 0, 0, 0})
          : ByteBuffer.wrap(new byte[type.elementSize() * 2]);
      if (type == DataType.BOOL) {
        bytes = ByteBuffer.wrap(new byte[] {1, 0});
      } else if (type.fixedSize()) {
        bytes.put(0, (byte) 0x81).put(type.elementSize(), (byte) 0x7F);
      }
      Tensor t = new Tensor("y", type, new long[] {2}, bytes);
      io.densemesh.api.inference.ModelInferResponse response =
          io.densemesh.api.inference.ModelInferResponse.newBuilder()
              .addOutputs(io.densemesh.api.inference.ModelInferResponse.InferOutputTensor
                  .newBuilder().setName("y").setDatatype(type.name()).addShape(2)
                  .setContents(ProtoTensorCodec.TypedContents.decode(t)))
              .build();
      assertThat(ProtoTensorCodec.outputs(response).get(0).data()).as(type.name())
          .isEqualTo(t.data());
    }
  }
}
