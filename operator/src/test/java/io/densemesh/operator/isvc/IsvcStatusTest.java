package io.densemesh.operator.isvc;

import static org.assertj.core.api.Assertions.assertThat;

import io.densemesh.api.mmesh.ModelStatusInfo;
import io.densemesh.api.mmesh.ModelStatusInfo.ModelStatus;
import io.densemesh.api.mmesh.VModelStatusInfo;
import io.densemesh.api.mmesh.VModelStatusInfo.VModelStatus;
import io.densemesh.operator.isvc.IsvcStatus.SpecFailure;
import io.densemesh.operator.resource.Fields;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class IsvcStatusTest {

  static final Instant T0 = Instant.parse("2025-03-01T10:00:00.250Z");
  static final Instant T1 = Instant.parse("2025-03-01T10:05:00Z");

  static ModelStatusInfo model(ModelStatus s, long copyTime, String... errors) {
    ModelStatusInfo.Builder b = ModelStatusInfo.newBuilder().setStatus(s).addAllErrors(
        List.of(errors));
    if (s != ModelStatus.NOT_LOADED && s != ModelStatus.NOT_FOUND) {
      b.addModelCopyInfosBuilder().setLocation("node-1").setCopyStatus(s).setTime(copyTime);
    }
    return b.build();
  }

  static VModelStatusInfo defined(ModelStatus active) {
    return VModelStatusInfo.newBuilder().setStatus(VModelStatus.DEFINED).setActiveModelId("a")
        .setTargetModelId("a").setActiveModelStatus(model(active, 1_700_000_000_000L,
            active == ModelStatus.LOADING_FAILED ? new String[] {"bad onnx"} : new String[0]))
        .build();
  }

  static Map<String, Object> status(VModelStatusInfo mesh, Optional<SpecFailure> failure,
      Map<String, Object> previous, Instant now) {
    return IsvcStatus.desired(new IsvcStatus.Input("prod", 3, failure.isPresent()
        ? Optional.empty() : Optional.of("densemesh-onnx"), failure, mesh, previous), now);
  }

  static Fields f(Map<String, Object> status) {
    return Fields.of(status, "status", "");
  }

  static String states(Map<String, Object> status) {
    Fields ms = f(status).object("modelStatus");
    return ms.object("states").string("activeModelState").orElseThrow() + "/"
        + ms.object("states").string("targetModelState").orElseThrow() + "/"
        + ms.string("transitionStatus").orElseThrow();
  }

  @Test
  void loadedModelIsReadyWithKServeUrls() {
    Map<String, Object> s = status(defined(ModelStatus.LOADED), Optional.empty(), Map.of(), T0);
    assertThat(states(s)).isEqualTo("Loaded//UpToDate");
    assertThat(s.get("url")).isEqualTo("grpc://densemesh-densemesh-onnx.prod:8033");
    Fields predictor = f(s).object("components").object("predictor");
    assertThat(predictor.string("grpcUrl")).contains("grpc://densemesh-densemesh-onnx.prod:8033");
    assertThat(predictor.string("restUrl")).contains("http://densemesh-densemesh-onnx.prod:8008");
    assertThat(f(s).object("modelStatus").object("copies").raw())
        .isEqualTo(Map.of("failedCopies", 0, "totalCopies", 1));
    assertThat(f(s).objects("conditions")).extracting(c -> c.string("type").orElseThrow() + "="
        + c.string("status").orElseThrow()).containsExactly("PredictorReady=True", "Ready=True");
    assertThat(s.get("observedGeneration")).isEqualTo(3L);
    assertThat(f(s).object("modelStatus").has("lastFailureInfo")).isFalse();
    assertThat(IsvcStatus.settled(s)).isTrue();
  }

  @Test
  void meshStatesMapToKServeStates() {
    assertThat(states(status(defined(ModelStatus.NOT_LOADED), Optional.empty(), Map.of(), T0)))
        .as("evicted").isEqualTo("Standby//UpToDate");
    assertThat(states(status(defined(ModelStatus.LOADING), Optional.empty(), Map.of(), T0)))
        .isEqualTo("Loading//UpToDate");
    assertThat(states(status(VModelStatusInfo.newBuilder().setStatus(VModelStatus.NOT_FOUND)
        .build(), Optional.empty(), Map.of(), T0))).isEqualTo("Pending//UpToDate");
    Map<String, Object> loading = status(defined(ModelStatus.LOADING), Optional.empty(),
        Map.of(), T0);
    assertThat(IsvcStatus.settled(loading)).isFalse();
    assertThat(f(loading).objects("conditions").get(0).string("reason")).contains("ModelLoading");
  }

  @Test
  void transitionKeepsTheActiveModelAndShowsTheTarget() {
    VModelStatusInfo mesh = VModelStatusInfo.newBuilder().setStatus(VModelStatus.TRANSITIONING)
        .setActiveModelId("a").setTargetModelId("b")
        .setActiveModelStatus(model(ModelStatus.LOADED, 1))
        .setTargetModelStatus(model(ModelStatus.LOADING, 2)).build();
    Map<String, Object> s = status(mesh, Optional.empty(), Map.of(), T0);
    assertThat(states(s)).isEqualTo("Loaded/Loading/InProgress");
    assertThat(f(s).objects("conditions").get(0).string("status")).contains("True");
    assertThat(IsvcStatus.settled(s)).isFalse();
  }

  @Test
  void failedTargetBlocksTheTransitionWithTheMeshReasonAndTime() {
    VModelStatusInfo mesh = VModelStatusInfo.newBuilder()
        .setStatus(VModelStatus.TRANSITION_FAILED).setActiveModelId("a").setTargetModelId("b")
        .setActiveModelStatus(model(ModelStatus.LOADED, 1))
        .setTargetModelStatus(model(ModelStatus.LOADING_FAILED, 1_700_000_123_000L,
            "model path /x does not exist")).build();
    Map<String, Object> s = status(mesh, Optional.empty(), Map.of(), T0);
    assertThat(states(s)).isEqualTo("Loaded/FailedToLoad/BlockedByFailedLoad");
    Fields failure = f(s).object("modelStatus").object("lastFailureInfo");
    assertThat(failure.string("reason")).contains("ModelLoadFailed");
    assertThat(failure.string("message")).contains("model path /x does not exist");
    assertThat(failure.string("modelRevisionName")).contains("b");
    assertThat(failure.string("time")).contains("2023-11-14T22:15:23Z");
    assertThat(IsvcStatus.settled(s)).isTrue();
  }

  @Test
  void unsupportedRuntimeIsFailedToLoadWithItsReason() {
    Map<String, Object> s = status(VModelStatusInfo.newBuilder()
        .setStatus(VModelStatus.NOT_FOUND).build(), Optional.of(new SpecFailure(
            "NoSupportingRuntime", "no runtime supports pmml")), Map.of(), T0);
    assertThat(states(s)).isEqualTo("FailedToLoad//InvalidSpec");
    Fields failure = f(s).object("modelStatus").object("lastFailureInfo");
    assertThat(failure.string("reason")).contains("NoSupportingRuntime");
    assertThat(failure.string("time")).contains("2025-03-01T10:00:00Z");
    assertThat(s).doesNotContainKey("url");
    assertThat(f(s).objects("conditions").get(1).string("reason")).contains(
        "NoSupportingRuntime");
  }

  @Test
  void unchangedStatusKeepsItsTimesSoItIsNotRewritten() {
    Optional<SpecFailure> failure = Optional.of(new SpecFailure("RuntimeNotRecognized", "x"));
    VModelStatusInfo none = VModelStatusInfo.newBuilder().setStatus(VModelStatus.NOT_FOUND)
        .build();
    Map<String, Object> first = status(none, failure, Map.of(), T0);
    assertThat(status(none, failure, first, T1)).isEqualTo(first);

    Map<String, Object> loaded = status(defined(ModelStatus.LOADED), Optional.empty(), first, T1);
    assertThat(f(loaded).objects("conditions").get(0).string("lastTransitionTime"))
        .as("the condition flipped, so its time moves").contains("2025-03-01T10:05:00Z");
  }
}
