package io.densemesh.serving;

import io.densemesh.api.mmesh.ModelStatusInfo;
import io.densemesh.api.mmesh.ModelStatusInfo.ModelStatus;
import io.densemesh.api.mmesh.SetVModelRequest;
import io.densemesh.api.mmesh.VModelStatusInfo;
import io.densemesh.api.mmesh.VModelStatusInfo.VModelStatus;
import io.densemesh.api.registry.VModelRecord;
import io.densemesh.registry.Registry;
import io.densemesh.registry.Versioned;
import io.densemesh.runtime.error.ConflictException;
import io.densemesh.runtime.error.ModelNotFoundException;
import io.densemesh.runtime.error.PreconditionFailedException;
import io.densemesh.runtime.error.UnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * vmodels: stable names whose requests go to an active concrete model, moving to a new target
 * once that target is loaded (ModelMesh's transition semantics). Transitions advance when a load
 * finishes ({@link #modelLoaded}) or fails ({@link #modelLoadFailed}); old auto-delete targets are
 * unregistered once nothing refers to them.
 */
public final class VModelManagement {

  private static final int CAS_ATTEMPTS = 16;

  private final Registry registry;
  private final ModelManagement models;
  private final Clock clock;
  private final Duration loadTimeout;

  public VModelManagement(Registry registry, ModelManagement models, Clock clock,
      Duration loadTimeout) {
    this.registry = registry;
    this.models = models;
    this.clock = clock;
    this.loadTimeout = loadTimeout;
  }

  public VModelStatusInfo set(SetVModelRequest req) {
    return set(req, TenantScope.UNSCOPED);
  }

  /**
   * Creates or moves a vmodel on behalf of a scope. A tenant may only name its own target model
   * (another tenant's answers as a missing one) and only change its own vmodel (another
   * tenant's answers as an owner conflict). The owner must match the existing vmodel's exactly:
   * an empty owner no longer matches every vmodel.
   */
  public VModelStatusInfo set(SetVModelRequest req, TenantScope scope) {
    String id = req.getVModelId();
    ModelManagement.requireId("vModelId", id);
    ModelManagement.requireId("targetModelId", req.getTargetModelId());
    String target = req.getTargetModelId();
    if (req.hasModelInfo()) {
      models.register(target, req.getModelInfo(), false, false, 0,
          req.getAutoDeleteTargetModel(), scope);
    } else if (!registry.model(target).map(m -> scope.sees(m.value().getTenant()))
        .orElse(false)) {
      throw new ModelNotFoundException("target model '" + target + "' is not registered");
    }
    String tenant = scope.scoped() ? scope.tenant()
        : registry.model(target).map(m -> m.value().getTenant()).orElse("");
    String replacedTarget = null;
    String replacedActive = null;
    for (int attempt = 0; ; attempt++) {
      if (attempt == CAS_ATTEMPTS) {
        throw new UnavailableException("vmodel '" + id + "' kept changing; try again");
      }
      Optional<Versioned<VModelRecord>> existing = registry.vmodel(id);
      checkPreconditions(req, existing, scope);
      VModelRecord next;
      long version;
      if (existing.isEmpty()) {
        next = VModelRecord.newBuilder().setVmodelId(id).setOwner(req.getOwner())
            .setTenant(tenant).setActiveModelId(target).setTargetModelId(target).build();
        version = 0;
      } else {
        VModelRecord current = existing.get().value();
        version = existing.get().version();
        boolean switchNow = req.getForce() || models.status(target).getStatus()
            == ModelStatus.LOADED || current.getActiveModelId().equals(target);
        next = current.toBuilder().setTargetModelId(target).setTransitionFailed(false)
            .setActiveModelId(switchNow ? target : current.getActiveModelId()).build();
        replacedTarget = current.getTargetModelId();
        replacedActive = current.getActiveModelId();
      }
      if (registry.putVModel(next, version).isPresent()) {
        break;
      }
    }
    cleanUp(replacedTarget, target);
    cleanUp(replacedActive, target);
    VModelRecord now = registry.vmodel(id).map(Versioned::value).orElseThrow();
    boolean transitioning = !now.getActiveModelId().equals(now.getTargetModelId());
    boolean activeLoaded = models.status(now.getActiveModelId()).getStatus() == ModelStatus.LOADED;
    if (req.getLoadNow() || (transitioning && activeLoaded)) {
      models.load(target, req.getSync());
    }
    if (req.getSync()) {
      awaitSettled(id);
    }
    return status(id, "");
  }

  private static void checkPreconditions(SetVModelRequest req,
      Optional<Versioned<VModelRecord>> existing, TenantScope scope) {
    boolean visible = existing.isPresent() && scope.sees(existing.get().value().getTenant());
    if (req.getUpdateOnly() && !visible) {
      throw new ModelNotFoundException("vmodel '" + req.getVModelId() + "' does not exist");
    }
    if (existing.isPresent() && (!visible
        || !req.getOwner().equals(existing.get().value().getOwner()))) {
      throw new ConflictException("vmodel '" + req.getVModelId() + "' exists with another owner");
    }
    String expected = req.getExpectedTargetModelId();
    if (!expected.isEmpty()) {
      String current = existing.map(v -> v.value().getTargetModelId()).orElse(null);
      boolean ok = expected.equals(req.getTargetModelId())
          ? current == null || current.equals(expected)
          : expected.equals(current);
      if (!ok) {
        throw new PreconditionFailedException("vmodel '" + req.getVModelId()
            + "' target is '" + current + "', not the expected '" + expected + "'");
      }
    }
  }

  private void cleanUp(String replaced, String keep) {
    if (replaced != null && !replaced.equals(keep)) {
      models.deleteIfOrphaned(replaced);
    }
  }

  private void awaitSettled(String id) {
    long deadline = clock.millis() + loadTimeout.toMillis();
    while (clock.millis() < deadline) {
      VModelStatusInfo s = status(id, "");
      if (s.getStatus() != VModelStatus.TRANSITIONING) {
        return;
      }
      ModelStatus target = s.getTargetModelStatus().getStatus();
      if (target == ModelStatus.LOADING_FAILED) {
        return;
      }
      try {
        TimeUnit.MILLISECONDS.sleep(10); // polling a local state change; bounded by the deadline
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Deletes a vmodel (no-op when unknown or owned by someone else). */
  public void delete(String id, String owner) {
    delete(id, owner, TenantScope.UNSCOPED);
  }

  /**
   * Deletes a vmodel; a no-op when it is unknown, another tenant's, or of another owner. For a
   * tenant the owner must match exactly (an empty owner deletes only a vmodel without one); an
   * unscoped caller keeps ModelMesh's rule that an empty owner matches any.
   */
  public void delete(String id, String owner, TenantScope scope) {
    ModelManagement.requireId("vModelId", id);
    for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      Optional<Versioned<VModelRecord>> existing = registry.vmodel(id);
      boolean ownerMatches = owner.equals(existing.map(v -> v.value().getOwner()).orElse(""))
          || (!scope.scoped() && owner.isEmpty());
      if (existing.isEmpty() || !scope.sees(existing.get().value().getTenant())
          || !ownerMatches) {
        return;
      }
      if (registry.deleteVModel(id, existing.get().version())) {
        models.deleteIfOrphaned(existing.get().value().getActiveModelId());
        models.deleteIfOrphaned(existing.get().value().getTargetModelId());
        return;
      }
    }
    throw new UnavailableException("vmodel '" + id + "' kept changing; try again");
  }

  public VModelStatusInfo status(String id, String owner) {
    return status(id, owner, TenantScope.UNSCOPED);
  }

  /** A vmodel's status; NOT_FOUND when unknown, another tenant's, or of another owner. */
  public VModelStatusInfo status(String id, String owner, TenantScope scope) {
    ModelManagement.requireId("vModelId", id);
    Optional<Versioned<VModelRecord>> found = registry.vmodel(id);
    if (found.isEmpty() || !scope.sees(found.get().value().getTenant())
        || (!owner.isEmpty() && !owner.equals(found.get().value().getOwner()))) {
      return VModelStatusInfo.newBuilder().setStatus(VModelStatus.NOT_FOUND).build();
    }
    VModelRecord v = found.get().value();
    ModelStatusInfo active = models.status(v.getActiveModelId());
    VModelStatusInfo.Builder info = VModelStatusInfo.newBuilder()
        .setActiveModelId(v.getActiveModelId())
        .setTargetModelId(v.getTargetModelId())
        .setOwner(v.getOwner())
        .setActiveModelStatus(active);
    if (v.getActiveModelId().equals(v.getTargetModelId())) {
      info.setStatus(VModelStatus.DEFINED);
    } else {
      ModelStatusInfo target = models.status(v.getTargetModelId());
      info.setTargetModelStatus(target);
      info.setStatus(v.getTransitionFailed() || target.getStatus() == ModelStatus.LOADING_FAILED
          ? VModelStatus.TRANSITION_FAILED : VModelStatus.TRANSITIONING);
    }
    return info.build();
  }

  /** A model finished loading: vmodels waiting for it switch to it. */
  public void modelLoaded(String modelId) {
    for (VModelRecord v : registry.vmodels()) {
      if (v.getTargetModelId().equals(modelId) && !v.getActiveModelId().equals(modelId)) {
        promote(v.getVmodelId(), modelId);
      }
    }
  }

  private void promote(String vmodelId, String target) {
    for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      Optional<Versioned<VModelRecord>> current = registry.vmodel(vmodelId);
      if (current.isEmpty() || !current.get().value().getTargetModelId().equals(target)) {
        return;
      }
      String old = current.get().value().getActiveModelId();
      VModelRecord next = current.get().value().toBuilder().setActiveModelId(target)
          .setTransitionFailed(false).build();
      if (registry.putVModel(next, current.get().version()).isPresent()) {
        cleanUp(old, target);
        return;
      }
    }
  }

  /** A model failed to load: transitions towards it are marked failed (they retry later). */
  public void modelLoadFailed(String modelId) {
    for (VModelRecord v : registry.vmodels()) {
      if (v.getTargetModelId().equals(modelId) && !v.getActiveModelId().equals(modelId)) {
        registry.vmodel(v.getVmodelId()).ifPresent(cur -> registry.putVModel(
            cur.value().toBuilder().setTransitionFailed(true).build(), cur.version()));
      }
    }
  }
}
