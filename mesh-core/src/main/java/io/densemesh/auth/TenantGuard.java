package io.densemesh.auth;

import io.densemesh.runtime.error.PermissionDeniedException;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@link AccessRules} applied to registered models: looks up a model's tenant and
 * decides. Callers that get {@code false} answer exactly as for a model that does not exist.
 * (vmodels are checked by {@link io.densemesh.serving.TenantScope} inside vmodel management.)
 */
public final class TenantGuard {

  private final Function<String, Optional<String>> modelTenant;

  /** @param modelTenant a registered model's tenant, empty when the model is not registered */
  public TenantGuard(Function<String, Optional<String>> modelTenant) {
    this.modelTenant = modelTenant;
  }

  /**
   * @throws PermissionDeniedException when the caller's role does not allow the action at all
   */
  public void requireRole(Principal caller, Action action) {
    if (!AccessRules.roleAllows(caller, action)) {
      throw new PermissionDeniedException(switch (action) {
        case ADMIN -> "MeshAdmin needs the admin role; the caller is a " + caller.role().wireName();
        case MANAGE -> "a " + caller.role().wireName() + " cannot register, load or remove"
            + " models or vmodels";
        case INFER, READ -> "the caller's role does not allow this call";
      });
    }
  }

  /** Whether the caller may act on the model: it exists and is of a tenant the caller sees. */
  public boolean model(Principal caller, String modelId) {
    return caller.admin()
        || modelTenant.apply(modelId).map(t -> AccessRules.sees(caller, t)).orElse(false);
  }
}
