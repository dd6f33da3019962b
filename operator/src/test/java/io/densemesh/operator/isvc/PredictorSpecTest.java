package io.densemesh.operator.isvc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.operator.TestManifests;
import io.densemesh.operator.resource.InvalidResourceException;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PredictorSpecTest {

  static io.fabric8.kubernetes.api.model.GenericKubernetesResource isvc(String predictor) {
    return TestManifests.yaml("""
        apiVersion: serving.kserve.io/v1beta1
        kind: InferenceService
        metadata:
          name: fraud
          annotations:
            serving.kserve.io/deploymentMode: ModelMesh
        spec:
          predictor:
        """ + predictor.indent(4));
  }

  @Test
  void readsTheModelFormWithStorageUri() {
    PredictorSpec p = PredictorSpec.from(isvc("""
        model:
          modelFormat: {name: onnx, version: "1"}
          runtime: densemesh-onnx
          storageUri: file:///models/fraud.onnx
        """));
    assertThat(p.format()).isEqualTo("onnx");
    assertThat(p.formatVersion()).contains("1");
    assertThat(p.runtime()).contains("densemesh-onnx");
    ConcreteModel model = ConcreteModel.of("fraud", p);
    assertThat(model.id()).matches("fraud__isvc-[0-9a-f]{10}");
    assertThat(model.info()).isEqualTo(ModelInfo.newBuilder().setType("onnx")
        .setPath("file:///models/fraud.onnx").build());
  }

  @Test
  void readsPublishedExamples() {
    PredictorSpec sklearn = PredictorSpec.from(
        TestManifests.resource("/kserve/example-sklearn-isvc.yaml"));
    assertThat(ConcreteModel.of("example-sklearn-isvc", sklearn).info()).isEqualTo(
        ModelInfo.newBuilder().setType("sklearn").setPath("sklearn/mnist-svm.joblib")
            .setKey("localMinIO").build());

    PredictorSpec legacy = PredictorSpec.from(
        TestManifests.resource("/kserve/example-sklearn-mnist-svm-legacy.yaml"));
    assertThat(legacy.format()).isEqualTo("sklearn");
    assertThat(ConcreteModel.of("sklearn-mnist-svm", legacy).info()).isEqualTo(
        ModelInfo.newBuilder().setType("sklearn")
            .setPath("s3://modelmesh-example-models/sklearn/mnist-svm.joblib")
            .setKey("localMinIO").build());

    PredictorSpec tf = PredictorSpec.from(
        TestManifests.resource("/kserve/example-tensorflow-mnist-storage-params.yaml"));
    assertThat(tf.runtime()).contains("triton-2.x");
    assertThat(ConcreteModel.of("example-tensorflow-mnist", tf).info()).isEqualTo(
        ModelInfo.newBuilder().setType("tensorflow")
            .setPath("tensorflow/mnist.savedmodel")
            .setKey("{\"storage_key\":\"localMinIO\",\"storage_params\":"
                + "{\"bucket\":\"modelmesh-example-models\"}}").build());
  }

  @Test
  void concreteIdChangesWithEveryModelDefiningFieldAndOnlyThen() {
    String base = """
        model:
          modelFormat: {name: onnx}
          storageUri: file:///m/a.onnx
        """;
    String id = ConcreteModel.of("svc", PredictorSpec.from(isvc(base))).id();
    assertThat(ConcreteModel.of("svc", PredictorSpec.from(isvc(base + "  minReplicas: 1\n")))
        .id()).as("fields outside the model definition do not count").isEqualTo(id);
    assertThat(ConcreteModel.of("svc", PredictorSpec.from(isvc(base.replace("a.onnx",
        "b.onnx")))).id()).isNotEqualTo(id);
    assertThat(ConcreteModel.of("svc", PredictorSpec.from(isvc(base.replace("{name: onnx}",
        "{name: onnx, version: \"1\"}")))).id()).isNotEqualTo(id);
    assertThat(ConcreteModel.of("svc", PredictorSpec.from(isvc(base + "  runtime: r\n"))).id())
        .isNotEqualTo(id);
    assertThat(ConcreteModel.of("other", PredictorSpec.from(isvc(base))).id())
        .startsWith("other__isvc-").endsWith(id.substring(id.indexOf("__isvc-") + 7));
  }

  @Test
  void invalidPredictorsNameTheProblem() {
    assertThatThrownBy(() -> PredictorSpec.from(isvc("""
        model:
          modelFormat: {name: onnx}
        """))).isInstanceOf(InvalidResourceException.class)
        .hasMessageContaining("needs storageUri or storage.path")
        .satisfies(e -> assertThat(((InvalidResourceException) e).reason())
            .isEqualTo("InvalidPredictorSpec"));
    assertThatThrownBy(() -> PredictorSpec.from(isvc("""
        model:
          storageUri: file:///x
        """))).hasMessageContaining("modelFormat.name is required");
    assertThatThrownBy(() -> PredictorSpec.from(isvc("""
        model:
          modelFormat: {name: onnx}
          storageUri: s3://b/x
          storage: {path: y}
        """))).hasMessageContaining("both storageUri and storage.path");
    assertThatThrownBy(() -> PredictorSpec.from(isvc("""
        containers: [{name: c, image: i}]
        """))).hasMessageContaining("needs 'model' or one of");
    assertThatThrownBy(() -> PredictorSpec.from(isvc("""
        model: [1, 2]
        """))).hasMessageContaining("spec.predictor.model must be an object");
  }

  @Test
  void storageParametersAreSortedIntoTheKey() {
    PredictorSpec p = PredictorSpec.from(isvc("""
        model:
          modelFormat: {name: onnx}
          storage:
            path: m.onnx
            parameters: {type: s3, bucket: bkt, endpoint: "http://minio:9000"}
        """));
    assertThat(p.storageParameters().keySet()).containsExactly("bucket", "endpoint", "type");
    assertThat(ConcreteModel.of("x", p).info().getKey()).isEqualTo("{\"storage_key\":\"\","
        + "\"storage_params\":{\"bucket\":\"bkt\",\"endpoint\":\"http://minio:9000\","
        + "\"type\":\"s3\"}}");
    assertThat(p.storageKey()).isEqualTo(Optional.empty());
    assertThat(p.storageParameters()).isEqualTo(Map.of("type", "s3", "bucket", "bkt",
        "endpoint", "http://minio:9000"));
  }
}
