package io.densemesh.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.densemesh.operator.TestManifests;
import io.densemesh.operator.runtime.RuntimeCatalog.Choice;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RuntimeCatalogTest {

  static RuntimeSpec runtime(String kind, String name, String spec) {
    return RuntimeSpec.from(TestManifests.yaml("apiVersion: serving.kserve.io/v1alpha1\nkind: "
        + kind + "\nmetadata: {name: " + name + "}\nspec:\n" + spec));
  }

  static final RuntimeSpec TRITON = RuntimeSpec.from(
      TestManifests.resource("/kserve/triton-2.x.yaml"));
  static final RuntimeSpec MLSERVER = RuntimeSpec.from(
      TestManifests.resource("/kserve/mlserver-1.x.yaml"));
  static final RuntimeSpec DM_ONNX = runtime("ServingRuntime", "densemesh-onnx", """
        multiModel: true
        supportedModelFormats: [{name: onnx, version: "1", autoSelect: true, priority: 2}]
      """);
  static final RuntimeSpec DISABLED = runtime("ServingRuntime", "old-onnx", """
        multiModel: true
        disabled: true
        supportedModelFormats: [{name: onnx, autoSelect: true, priority: 9}]
      """);

  static final RuntimeCatalog CATALOG =
      RuntimeCatalog.of(List.of(DM_ONNX, DISABLED), List.of(TRITON, MLSERVER));

  private static String chosen(Choice c) {
    return c instanceof Choice.Chosen ch ? ch.runtime().name()
        : "none:" + ((Choice.NoneFits) c).reason();
  }

  @Test
  void autoSelectPrefersHigherPriorityAndSkipsDisabledRuntimes() {
    assertThat(chosen(CATALOG.choose("onnx", Optional.empty(), Optional.empty())))
        .isEqualTo("densemesh-onnx");
    assertThat(chosen(CATALOG.choose("sklearn", Optional.empty(), Optional.empty())))
        .isEqualTo("mlserver-1.x");
    assertThat(chosen(CATALOG.choose("tensorflow", Optional.of("2"), Optional.empty())))
        .isEqualTo("triton-2.x");
    assertThat(chosen(CATALOG.choose("SKLEARN", Optional.of("0"), Optional.empty())))
        .as("format names match case-insensitively").isEqualTo("mlserver-1.x");
  }

  @Test
  void unsupportedFormatOrVersionHasNoSupportingRuntime() {
    assertThat(chosen(CATALOG.choose("pmml", Optional.empty(), Optional.empty())))
        .isEqualTo("none:NoSupportingRuntime");
    assertThat(chosen(CATALOG.choose("tensorflow", Optional.of("3"), Optional.empty())))
        .isEqualTo("none:NoSupportingRuntime");
  }

  @Test
  void namedRuntimeMustExistBeEnabledAndSupportTheFormat() {
    assertThat(chosen(CATALOG.choose("onnx", Optional.empty(), Optional.of("triton-2.x"))))
        .isEqualTo("triton-2.x");
    Choice missing = CATALOG.choose("onnx", Optional.empty(), Optional.of("ovms-1.x"));
    assertThat(chosen(missing)).isEqualTo("none:RuntimeNotRecognized");
    assertThat(((Choice.NoneFits) missing).message()).contains("ovms-1.x");
    assertThat(chosen(CATALOG.choose("onnx", Optional.empty(), Optional.of("old-onnx"))))
        .isEqualTo("none:RuntimeDisabled");
    assertThat(chosen(CATALOG.choose("sklearn", Optional.empty(), Optional.of("triton-2.x"))))
        .isEqualTo("none:NoSupportingRuntime");
  }

  @Test
  void namespacedRuntimeShadowsClusterRuntimeOfTheSameName() {
    RuntimeSpec local = runtime("ServingRuntime", "triton-2.x", """
          multiModel: true
          supportedModelFormats: [{name: pmml, autoSelect: true}]
        """);
    RuntimeCatalog catalog = RuntimeCatalog.of(List.of(local), List.of(TRITON));
    assertThat(catalog.named("triton-2.x").orElseThrow().clusterScoped()).isFalse();
    assertThat(chosen(catalog.choose("onnx", Optional.empty(), Optional.empty())))
        .isEqualTo("none:NoSupportingRuntime");
    assertThat(catalog.servedByMesh()).containsExactly(local);
  }
}
