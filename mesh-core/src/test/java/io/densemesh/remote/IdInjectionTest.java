package io.densemesh.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.densemesh.api.inference.InferParameter;
import io.densemesh.api.inference.ModelInferRequest;
import org.junit.jupiter.api.Test;

/** Model id injection into serialized requests at ModelMesh idInjectionPaths. */
class IdInjectionTest {

  private final ModelInferRequest request = ModelInferRequest.newBuilder()
      .setModelName("vmodel-a").setId("r1")
      .putParameters("k", InferParameter.newBuilder().setInt64Param(3).build())
      .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("x")
          .setDatatype("FP32").addShape(1))
      .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("z")
          .setDatatype("FP32").addShape(2))
      .addRawInputContents(ByteString.copyFromUtf8("abcd"))
      .build();

  @Test
  void topLevelStringIsReplacedAndEverythingElseKept() throws Exception {
    ModelInferRequest injected = ModelInferRequest.parseFrom(
        IdInjection.inject(request.toByteArray(), new int[] {1}, "model-7"));
    assertThat(injected).isEqualTo(request.toBuilder().setModelName("model-7").build());
  }

  @Test
  void missingFieldIsAdded() throws Exception {
    ModelInferRequest noName = request.toBuilder().clearModelName().build();
    ModelInferRequest injected = ModelInferRequest.parseFrom(
        IdInjection.inject(noName.toByteArray(), new int[] {1}, "model-é"));
    assertThat(injected.getModelName()).isEqualTo("model-é");
  }

  @Test
  void nestedPathRewritesTheFirstOccurrenceOnly() throws Exception {
    ModelInferRequest injected = ModelInferRequest.parseFrom(
        IdInjection.inject(request.toByteArray(), new int[] {5, 1}, "m"));
    assertThat(injected.getInputs(0).getName()).isEqualTo("m");
    assertThat(injected.getInputs(0).getShapeList()).containsExactly(1L);
    assertThat(injected.getInputs(1).getName()).isEqualTo("z");
    assertThat(injected.getModelName()).isEqualTo("vmodel-a");
  }

  @Test
  void absentEmbeddedMessageIsCreated() throws Exception {
    ModelInferRequest injected = ModelInferRequest.parseFrom(IdInjection.inject(
        ModelInferRequest.getDefaultInstance().toByteArray(), new int[] {5, 1}, "m"));
    assertThat(injected.getInputsList()).hasSize(1);
    assertThat(injected.getInputs(0).getName()).isEqualTo("m");
  }

  @Test
  void emptyPathLeavesTheBytesAloneAndAScalarOnThePathIsRefused() {
    byte[] bytes = request.toByteArray();
    assertThat(IdInjection.inject(bytes, new int[0], "m")).isSameAs(bytes);
    byte[] withVarint = io.densemesh.api.inference.InferParameter.newBuilder()
        .setInt64Param(5).build().toByteArray();
    assertThatThrownBy(() -> IdInjection.inject(withVarint, new int[] {2}, "m"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a string or message");
  }
}
