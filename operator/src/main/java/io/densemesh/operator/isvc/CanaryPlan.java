package io.densemesh.operator.isvc;

import io.densemesh.api.admin.Route;
import io.densemesh.api.admin.SetVModelRoutesRequest;
import io.densemesh.api.admin.VModelRoutes;
import io.densemesh.operator.resource.Fields;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * KServe's {@code spec.predictor.canaryTrafficPercent} on the mesh's vmodel traffic splits: the
 * latest revision (the predictor as now specified) gets that share and the previous rolled-out
 * revision keeps the rest; 0 sends everything back to the previous revision; 100 or removing the
 * field promotes the latest revision (a plain {@code setVModel}, see {@link VModelPlan}), as
 * KServe documents canary rollouts. The previous revision is the heaviest serving route that is
 * not the latest; without one (a first rollout) there is nothing to split and the plain plan
 * applies.
 */
public final class CanaryPlan {

  private CanaryPlan() {}

  /** {@code spec.predictor.canaryTrafficPercent}, 0..100, when set. */
  public static Optional<Integer> percent(GenericKubernetesResource isvc) {
    Fields predictor = Fields.of(isvc.getAdditionalProperties().get("spec"), "spec",
        PredictorSpec.REASON).object("predictor");
    Optional<Long> p = predictor.integer("canaryTrafficPercent");
    if (p.isPresent() && (p.get() < 0 || p.get() > 100)) {
      throw predictor.invalid("spec.predictor.canaryTrafficPercent must be 0..100, got "
          + p.get());
    }
    return p.map(Long::intValue);
  }

  /** The previous revision: the heaviest serving route that is not {@code latest}. */
  public static Optional<String> previous(VModelRoutes current, String latest) {
    VModelRoutes.RouteStatus best = null;
    for (VModelRoutes.RouteStatus r : current.getRoutesList()) {
      if (!r.getRoute().getShadow() && !r.getRoute().getModelId().equals(latest)
          && (best == null || r.getRoute().getWeight() > best.getRoute().getWeight())) {
        best = r;
      }
    }
    return Optional.ofNullable(best).map(r -> r.getRoute().getModelId());
  }

  /**
   * The split to ask for, or empty when the mesh already has (or waits for) it, or when there is
   * no previous revision to split with.
   *
   * @param percent the canary share, 0..99 (100 is a promotion: {@link VModelPlan})
   */
  public static Optional<SetVModelRoutesRequest> next(String vmodelId, String namespace,
      ConcreteModel latest, int percent, VModelRoutes current) {
    Optional<String> previous = previous(current, latest.id());
    if (previous.isEmpty()) {
      return Optional.empty();
    }
    List<Route> wanted = new ArrayList<>();
    wanted.add(Route.newBuilder().setModelId(previous.get()).setWeight(100 - percent).build());
    if (percent > 0) {
      wanted.add(Route.newBuilder().setModelId(latest.id()).setWeight(percent).build());
    }
    if (same(wanted, current.getPendingRoutesList())
        || (current.getPendingRoutesCount() == 0 && same(wanted, current.getRoutesList().stream()
            .map(VModelRoutes.RouteStatus::getRoute).toList()))) {
      return Optional.empty();
    }
    SetVModelRoutesRequest.Builder request = SetVModelRoutesRequest.newBuilder()
        .setVmodelId(vmodelId).setOwner(VModelPlan.owner(namespace)).setUpdateOnly(true);
    for (Route r : wanted) {
      request.addRoutes(r.getModelId().equals(latest.id())
          ? r.toBuilder().setModelInfo(latest.info()).setAutoDelete(true).build() : r);
    }
    return Optional.of(request.build());
  }

  private static boolean same(List<Route> wanted, List<Route> have) {
    if (wanted.size() != have.size()) {
      return false;
    }
    for (int i = 0; i < wanted.size(); i++) {
      Route w = wanted.get(i);
      Route h = have.get(i);
      if (!w.getModelId().equals(h.getModelId()) || w.getWeight() != h.getWeight()
          || h.getShadow()) {
        return false;
      }
    }
    return true;
  }
}
