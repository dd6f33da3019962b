package io.densemesh.operator.isvc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.api.admin.Route;
import io.densemesh.api.admin.VModelRoutes;
import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.VModelStatusInfo;
import io.densemesh.api.mmesh.VModelStatusInfo.VModelStatus;
import io.densemesh.operator.resource.InvalidResourceException;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CanaryPlanTest {

  static final ConcreteModel LATEST = new ConcreteModel("svc__isvc-bbbbbbbbbb",
      ModelInfo.newBuilder().setType("onnx").setPath("/v2.onnx").build());
  static final String PREVIOUS = "svc__isvc-aaaaaaaaaa";

  static VModelRoutes routes(Object... idWeight) {
    VModelRoutes.Builder b = VModelRoutes.newBuilder().setVmodelId("svc");
    for (int i = 0; i < idWeight.length; i += 2) {
      b.addRoutes(VModelRoutes.RouteStatus.newBuilder().setRoute(Route.newBuilder()
          .setModelId((String) idWeight[i]).setWeight((Integer) idWeight[i + 1])));
    }
    return b.build();
  }

  static GenericKubernetesResource isvc(Object percent) {
    GenericKubernetesResource r = new GenericKubernetesResource();
    r.setAdditionalProperty("spec", Map.of("predictor", percent == null ? Map.of()
        : Map.of("canaryTrafficPercent", percent)));
    return r;
  }

  @Test
  void aNewRevisionWithACanaryShareSplitsWithThePreviousOne() {
    var request = CanaryPlan.next("svc", "prod", LATEST, 10, routes(PREVIOUS, 1)).orElseThrow();

    assertThat(request.getOwner()).isEqualTo("isvc:prod");
    assertThat(request.getUpdateOnly()).isTrue();
    assertThat(request.getRoutesList()).extracting(Route::getModelId, Route::getWeight)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(PREVIOUS, 90),
            org.assertj.core.groups.Tuple.tuple(LATEST.id(), 10));
    assertThat(request.getRoutes(1).getModelInfo()).isEqualTo(LATEST.info());
    assertThat(request.getRoutes(1).getAutoDelete()).isTrue();
  }

  @Test
  void aSplitAlreadyInPlaceOrWaitingIsLeftAlone() {
    assertThat(CanaryPlan.next("svc", "prod", LATEST, 10,
        routes(PREVIOUS, 90, LATEST.id(), 10))).isEmpty();
    VModelRoutes waiting = routes(PREVIOUS, 1).toBuilder()
        .addPendingRoutes(Route.newBuilder().setModelId(PREVIOUS).setWeight(90))
        .addPendingRoutes(Route.newBuilder().setModelId(LATEST.id()).setWeight(10)).build();
    assertThat(CanaryPlan.next("svc", "prod", LATEST, 10, waiting)).isEmpty();
    assertThat(CanaryPlan.next("svc", "prod", LATEST, 25,
        routes(PREVIOUS, 90, LATEST.id(), 10))).isPresent();
  }

  @Test
  void zeroSendsEverythingBackAndAFirstRolloutHasNothingToSplit() {
    var back = CanaryPlan.next("svc", "prod", LATEST, 0,
        routes(PREVIOUS, 90, LATEST.id(), 10)).orElseThrow();
    assertThat(back.getRoutesList()).extracting(Route::getModelId).containsExactly(PREVIOUS);
    assertThat(CanaryPlan.next("svc", "prod", LATEST, 10, routes(LATEST.id(), 1))).isEmpty();
  }

  @Test
  void promotionIsAPlainSetVModelEvenWhenTheLatestIsAlreadyTheHeavierRoute() {
    var mesh = VModelStatusInfo.newBuilder().setStatus(VModelStatus.DEFINED)
        .setActiveModelId(LATEST.id()).setTargetModelId(LATEST.id()).build();
    assertThat(VModelPlan.next("svc", "prod", LATEST, mesh, false)).isEmpty();
    assertThat(VModelPlan.next("svc", "prod", LATEST, mesh, true)).isPresent();
  }

  @Test
  void thePercentIsReadAndChecked() {
    assertThat(CanaryPlan.percent(isvc(20))).contains(20);
    assertThat(CanaryPlan.percent(isvc(null))).isEmpty();
    assertThatThrownBy(() -> CanaryPlan.percent(isvc(120)))
        .isInstanceOf(InvalidResourceException.class).hasMessageContaining("0..100");
    assertThatThrownBy(() -> CanaryPlan.percent(isvc("ten")))
        .isInstanceOf(InvalidResourceException.class);
  }
}
