package io.densemesh.operator.isvc;

import io.densemesh.api.mmesh.SetVModelRequest;
import io.densemesh.api.mmesh.VModelStatusInfo;
import io.densemesh.api.mmesh.VModelStatusInfo.VModelStatus;
import java.util.Optional;

/**
 * Decides whether the mesh needs a {@code setVModel} for an InferenceService: when the vmodel is
 * missing (never registered, or the registry was wiped) or targets another concrete model (the
 * spec changed). The old model keeps serving until the new target is loaded (the mesh's
 * transition) and is deleted by the mesh afterwards ({@code autoDeleteTargetModel}).
 */
public final class VModelPlan {

  private VModelPlan() {}

  /** The vmodel owner the operator registers with: {@code isvc:<namespace>}. */
  public static String owner(String namespace) {
    return "isvc:" + namespace;
  }

  /** The request to send, or empty when the mesh already targets the desired model. */
  public static Optional<SetVModelRequest> next(String vmodelId, String namespace,
      ConcreteModel desired, VModelStatusInfo mesh) {
    return next(vmodelId, namespace, desired, mesh, false);
  }

  /**
   * As {@link #next(String, String, ConcreteModel, VModelStatusInfo)}; with {@code split} (the
   * vmodel has a canary traffic split) the request is sent even when the split's heaviest route
   * is the desired model: a plain setVModel promotes the desired model to 100%.
   */
  public static Optional<SetVModelRequest> next(String vmodelId, String namespace,
      ConcreteModel desired, VModelStatusInfo mesh, boolean split) {
    if (!split && mesh.getStatus() != VModelStatus.NOT_FOUND
        && mesh.getTargetModelId().equals(desired.id())) {
      return Optional.empty();
    }
    return Optional.of(SetVModelRequest.newBuilder()
        .setVModelId(vmodelId)
        .setOwner(owner(namespace))
        .setTargetModelId(desired.id())
        .setModelInfo(desired.info())
        .setAutoDeleteTargetModel(true)
        .setLoadNow(true)
        .build());
  }
}
