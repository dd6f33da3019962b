package io.densemesh.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.densemesh.api.inference.InferTensorContents;
import io.densemesh.runtime.Tensor;
import io.densemesh.protocol.ProtoTensorCodec;
import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.api.inference.ModelInferResponse;
import io.densemesh.api.inference.ModelMetadataRequest;
import io.densemesh.api.inference.ModelMetadataResponse;
import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.runtime.onnx.gen.SampleTextModels;
import io.densemesh.testing.TestNode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real node serving a generated text classifier (type {@code text}) over KServe V2 gRPC and
 * REST: strings in, labels and probabilities out, checked against the plain-Java reference.
 */
class TextModelNodeIT {

  static final long SEED = 5;
  static final List<String> TEXTS =
      List.of("Great fun!", "the acting was awful , the plot boring", "not very good movie");

  @TempDir static Path dir;
  static TestNode node;

  @BeforeAll
  static void start() throws Exception {
    Path model = SampleTextModels.writeClassifier(dir.resolve("sentiment"), SEED);
    node = new TestNode(dir.resolve("registry"));
    node.mesh.registerModel(RegisterModelRequest.newBuilder().setModelId("sentiment")
        .setModelInfo(ModelInfo.newBuilder().setType("text").setPath(model.toString())).build());
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static int output(ModelInferResponse r, String name) {
    for (int i = 0; i < r.getOutputsCount(); i++) {
      if (r.getOutputs(i).getName().equals(name)) {
        return i;
      }
    }
    throw new AssertionError("no output " + name);
  }

  static List<String> strings(ByteString raw) {
    ByteBuffer b = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    List<String> out = new ArrayList<>();
    while (b.hasRemaining()) {
      byte[] s = new byte[b.getInt()];
      b.get(s);
      out.add(new String(s, StandardCharsets.UTF_8));
    }
    return out;
  }

  static void assertMatchesReference(ModelInferResponse r, List<String> texts) {
    List<String> expectedLabels =
        texts.stream().map(t -> SampleTextModels.referenceLabel(SEED, t)).toList();
    int label = output(r, "label");
    assertThat(r.getOutputs(label).getDatatype()).isEqualTo("BYTES");
    assertThat(r.getOutputs(label).getShapeList()).containsExactly((long) texts.size());
    // Raw or typed contents, whichever the request used (ProtoTensorCodec reads both).
    List<Tensor> tensors = ProtoTensorCodec.outputs(r);
    assertThat(strings(ByteString.copyFrom(tensors.get(label).data())))
        .isEqualTo(expectedLabels);
    int probabilities = output(r, "probabilities");
    ByteBuffer p = tensors.get(probabilities).data();
    for (String text : texts) {
      for (float expected : SampleTextModels.referenceProbabilities(SEED, text)) {
        assertThat(p.getFloat()).isCloseTo(expected, within(1e-5f));
      }
    }
  }

  @Test
  void stringsInContentsGetLabelsAndProbabilities() {
    InferTensorContents.Builder contents = InferTensorContents.newBuilder();
    TEXTS.forEach(t -> contents.addBytesContents(ByteString.copyFromUtf8(t)));
    ModelInferResponse r = node.inference.modelInfer(ModelInferRequest.newBuilder()
        .setModelName("sentiment")
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("text")
            .setDatatype("BYTES").addShape(TEXTS.size()).setContents(contents))
        .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("label"))
        .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder()
            .setName("probabilities"))
        .build());
    assertThat(r.getOutputsList()).extracting(o -> o.getName())
        .containsExactly("label", "probabilities");
    assertMatchesReference(r, TEXTS);
  }

  @Test
  void rawStringColumnIsABatch() {
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    for (String t : TEXTS.subList(1, 3)) {
      byte[] b = t.getBytes(StandardCharsets.UTF_8);
      raw.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length)
          .array());
      raw.writeBytes(b);
    }
    ModelInferResponse r = node.inference.modelInfer(ModelInferRequest.newBuilder()
        .setModelName("sentiment")
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("text")
            .setDatatype("BYTES").addShape(2).addShape(1))
        .addRawInputContents(ByteString.copyFrom(raw.toByteArray()))
        .build());
    assertThat(r.getOutputsList()).extracting(o -> o.getName())
        .containsExactly("logits", "probabilities", "label");
    assertMatchesReference(r, TEXTS.subList(1, 3));
  }

  @Test
  void metadataDescribesTheStringInputAndTheOutputs() {
    ModelMetadataResponse m = node.inference.modelMetadata(
        ModelMetadataRequest.newBuilder().setName("sentiment").build());
    assertThat(m.getInputsList()).hasSize(1);
    assertThat(m.getInputs(0).getName()).isEqualTo("text");
    assertThat(m.getInputs(0).getDatatype()).isEqualTo("BYTES");
    assertThat(m.getInputs(0).getShapeList()).containsExactly(-1L);
    assertThat(m.getOutputsList()).extracting(o -> o.getName() + ":" + o.getDatatype())
        .containsExactly("logits:FP32", "probabilities:FP32", "label:BYTES");
  }

  @Test
  void restTakesJsonStringsAndAnswersLabels() throws Exception {
    var response = node.post("/v2/models/sentiment/infer", """
        {"inputs": [{"name": "text", "datatype": "BYTES", "shape": [2],
                     "data": ["Great fun!", "not very good movie"]}],
         "outputs": [{"name": "label"}]}""");
    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode body = new ObjectMapper().readTree(response.body());
    JsonNode label = body.get("outputs").get(0);
    assertThat(label.get("name").asText()).isEqualTo("label");
    assertThat(label.get("data").get(0).asText())
        .isEqualTo(SampleTextModels.referenceLabel(SEED, "Great fun!"));
    assertThat(label.get("data").get(1).asText())
        .isEqualTo(SampleTextModels.referenceLabel(SEED, "not very good movie"));
  }

  @Test
  void numbersForATextModelAreInvalidArgument() {
    assertThatThrownBy(() -> node.inference.modelInfer(ModelInferRequest.newBuilder()
        .setModelName("sentiment")
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("text")
            .setDatatype("FP32").addShape(1)
            .setContents(InferTensorContents.newBuilder().addFp32Contents(1f)))
        .build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains("BYTES");
        });
  }
}
