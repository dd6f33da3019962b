package io.densemesh.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.api.inference.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import io.densemesh.api.inference.InferTensorContents;
import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.api.inference.ModelInferResponse;
import io.densemesh.api.inference.ModelMetadataRequest;
import io.densemesh.api.inference.ModelMetadataResponse;
import io.densemesh.api.inference.ModelReadyRequest;
import io.densemesh.api.inference.RepositoryIndexRequest;
import io.densemesh.api.inference.RepositoryIndexResponse;
import io.densemesh.api.inference.RepositoryIndexResponse.ModelIndex;
import io.densemesh.api.inference.RepositoryModelLoadRequest;
import io.densemesh.api.inference.RepositoryModelLoadResponse;
import io.densemesh.api.inference.RepositoryModelUnloadRequest;
import io.densemesh.api.inference.RepositoryModelUnloadResponse;
import io.densemesh.api.inference.ServerMetadataRequest;
import io.densemesh.api.mmesh.GetStatusRequest;
import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.ModelMeshGrpc;
import io.densemesh.api.mmesh.ModelStatusInfo.ModelStatus;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.api.mmesh.SetVModelRequest;
import io.densemesh.runtime.onnx.gen.SampleModels;
import io.densemesh.testing.Bearer;
import io.densemesh.testing.Inference;
import io.densemesh.testing.TestNode;
import io.densemesh.testing.Tokens;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The V2 gRPC repository extension on a real node with tenants: RepositoryModelLoad makes a model
 * ready, RepositoryModelUnload drops its copy but keeps it registered (the next request loads it
 * again), RepositoryIndex reports what the caller sees; plus the metadata fields of the spec
 * (extensions, properties, model_version echoed) and typed contents answered typed.
 */
class ModelRepositoryIT {

  static final long SEED = 11;

  @TempDir Path dir;
  TestNode node;

  @BeforeEach
  void start() throws Exception {
    Path keys = dir.resolve("api-keys");
    Files.write(keys, List.of(Tokens.apiKeyLine("key-a", "a", "tenant"),
        Tokens.apiKeyLine("key-b", "b", "tenant"),
        Tokens.apiKeyLine("key-reader-a", "a", "reader")));
    node = new TestNode(dir.resolve("data"), "--api-keys-file", keys.toString());
    mesh("key-a").registerModel(RegisterModelRequest.newBuilder().setModelId("a-model")
        .setModelInfo(ModelInfo.newBuilder().setType("onnx")
            .setPath(Inference.writeModel(dir.resolve("models"), SEED).toString()))
        .build());
  }

  @AfterEach
  void stop() {
    node.close();
  }

  ModelMeshGrpc.ModelMeshBlockingStub mesh(String key) {
    return Bearer.as(node.mesh, key);
  }

  GRPCInferenceServiceBlockingStub v2(String key) {
    return Bearer.as(node.inference, key);
  }

  boolean ready(String key, String model) {
    return v2(key).modelReady(ModelReadyRequest.newBuilder().setName(model).build()).getReady();
  }

  List<ModelIndex> index(String key, boolean readyOnly) {
    return v2(key).repositoryIndex(RepositoryIndexRequest.newBuilder().setReady(readyOnly)
        .build()).getModelsList();
  }

  static ModelIndex entry(String name, String state, String reason) {
    return ModelIndex.newBuilder().setName(name).setVersion("1").setState(state)
        .setReason(reason).build();
  }

  static void assertStatus(ThrowingCallable call, Status.Code code, String message) {
    assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code);
      if (message != null) {
        assertThat(e.getStatus().getDescription()).isEqualTo(message);
      }
    });
  }

  @Test
  void loadAnswersWhenTheModelIsReadyAndTheIndexSaysSo() {
    assertThat(ready("key-a", "a-model")).isFalse();
    assertThat(index("key-a", false)).containsExactly(
        entry("a-model", "UNAVAILABLE", "not loaded (the first request loads it)"));

    RepositoryModelLoadResponse loaded = v2("key-a").repositoryModelLoad(
        RepositoryModelLoadRequest.newBuilder().setModelName("a-model").build());

    assertThat(loaded.getModelName()).isEqualTo("a-model");
    assertThat(loaded.getIsLoaded()).isTrue();
    assertThat(ready("key-a", "a-model")).isTrue();
    assertThat(mesh("key-a").getModelStatus(GetStatusRequest.newBuilder()
        .setModelId("a-model").build()).getStatus()).isEqualTo(ModelStatus.LOADED);
    assertThat(index("key-a", true)).containsExactly(entry("a-model", "READY", ""));
  }

  @Test
  void unloadDropsTheCopyKeepsTheModelAndTheNextRequestLoadsItAgain() {
    v2("key-a").repositoryModelLoad(
        RepositoryModelLoadRequest.newBuilder().setModelName("a-model").build());

    RepositoryModelUnloadResponse unloaded = v2("key-a").repositoryModelUnload(
        RepositoryModelUnloadRequest.newBuilder().setModelName("a-model").build());

    assertThat(unloaded.getModelName()).isEqualTo("a-model");
    assertThat(unloaded.getIsUnloaded()).isTrue();
    assertThat(ready("key-a", "a-model")).isFalse();
    assertThat(mesh("key-a").getModelStatus(GetStatusRequest.newBuilder()
        .setModelId("a-model").build()).getStatus()).isEqualTo(ModelStatus.NOT_LOADED);
    assertThat(index("key-a", true)).isEmpty();

    ModelInferResponse answer = v2("key-a").modelInfer(
        Inference.request("a-model", Inference.row(SEED)));
    assertThat(Inference.answeredBy(answer, SEED, Inference.row(SEED))).isTrue();
    assertThat(ready("key-a", "a-model")).isTrue();
  }

  @Test
  void anotherTenantsModelAnswersAsAMissingOneAndAReaderChangesNothing() {
    String missing = "model 'nope' is not registered";
    assertStatus(() -> v2("key-b").repositoryModelLoad(RepositoryModelLoadRequest.newBuilder()
        .setModelName("nope").build()), Status.Code.NOT_FOUND, missing);
    assertStatus(() -> v2("key-b").repositoryModelLoad(RepositoryModelLoadRequest.newBuilder()
        .setModelName("a-model").build()), Status.Code.NOT_FOUND,
        "model 'a-model' is not registered");
    assertStatus(() -> v2("key-b").repositoryModelUnload(RepositoryModelUnloadRequest
        .newBuilder().setModelName("a-model").build()), Status.Code.NOT_FOUND,
        "model 'a-model' is not registered");
    assertThat(index("key-b", false)).isEmpty();

    assertStatus(() -> v2("key-reader-a").repositoryModelLoad(RepositoryModelLoadRequest
        .newBuilder().setModelName("a-model").build()), Status.Code.PERMISSION_DENIED, null);
    assertThat(index("key-reader-a", false)).extracting(ModelIndex::getName)
        .containsExactly("a-model");
    assertStatus(() -> node.inference.repositoryIndex(RepositoryIndexRequest.getDefaultInstance()),
        Status.Code.UNAUTHENTICATED, null);
    assertStatus(() -> v2("key-a").repositoryModelLoad(RepositoryModelLoadRequest
        .getDefaultInstance()), Status.Code.INVALID_ARGUMENT, "model_name must be non-empty");
    assertThat(ready("key-a", "a-model")).as("nothing was loaded").isFalse();
  }

  @Test
  void metadataCarriesExtensionsPropertiesAndTheVersionAskedFor() {
    assertThat(v2("key-a").serverMetadata(ServerMetadataRequest.getDefaultInstance())
        .getExtensionsList()).contains("model_repository");
    mesh("key-a").setVModel(SetVModelRequest.newBuilder().setVModelId("a-service")
        .setTargetModelId("a-model").build());

    ModelMetadataResponse metadata = v2("key-a").modelMetadata(ModelMetadataRequest
        .newBuilder().setName("a-service").build());
    assertThat(metadata.getName()).isEqualTo("a-service");
    assertThat(metadata.getVersionsList()).containsExactly("1");
    assertThat(metadata.getPropertiesMap())
        .containsEntry("model_id", "a-model").containsEntry("type", "onnx");

    ModelInferRequest request = Inference.request("a-model", Inference.row(SEED));
    assertThat(v2("key-a").modelInfer(request).getModelVersion())
        .as("none asked, none claimed").isEmpty();
    assertThat(v2("key-a").modelInfer(request.toBuilder().setModelVersion("1").build())
        .getModelVersion()).isEqualTo("1");
  }

  @Test
  void typedContentsAreAnsweredInTypedContentsAsKservesServerDoes() {
    float[] row = Inference.row(SEED);
    InferTensorContents.Builder contents = InferTensorContents.newBuilder();
    for (float v : row) {
      contents.addFp32Contents(v);
    }
    ModelInferResponse answer = v2("key-a").modelInfer(ModelInferRequest.newBuilder()
        .setModelName("a-model").addInputs(ModelInferRequest.InferInputTensor.newBuilder()
            .setName(SampleModels.INPUT).setDatatype("FP32").addShape(1).addShape(row.length)
            .setContents(contents)).build());

    assertThat(answer.getRawOutputContentsCount()).isZero();
    float[] expected = SampleModels.expectedLogits(SEED, Inference.FEATURES, Inference.CLASSES,
        row);
    ModelInferResponse.InferOutputTensor logits = answer.getOutputsList().stream()
        .filter(o -> o.getName().equals(SampleModels.LOGITS)).findFirst().orElseThrow();
    assertThat(logits.getContents().getFp32ContentsCount()).isEqualTo(expected.length);
    for (int i = 0; i < expected.length; i++) {
      assertThat(logits.getContents().getFp32Contents(i))
          .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-4f));
    }
  }
}
