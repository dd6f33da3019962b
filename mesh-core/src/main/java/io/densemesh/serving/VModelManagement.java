package io.densemesh.serving;

import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.ModelStatusInfo;
import io.densemesh.api.mmesh.ModelStatusInfo.ModelStatus;
import io.densemesh.api.mmesh.SetVModelRequest;
import io.densemesh.api.mmesh.VModelStatusInfo;
import io.densemesh.api.mmesh.VModelStatusInfo.VModelStatus;
import io.densemesh.api.registry.ModelRecord;
import io.densemesh.api.registry.VModelRecord;
import io.densemesh.registry.Registry;
import io.densemesh.registry.Versioned;
import io.densemesh.runtime.error.ConflictException;
import io.densemesh.runtime.error.DeadlineExceededException;
import io.densemesh.runtime.error.ModelNotFoundException;
import io.densemesh.runtime.error.PreconditionFailedException;
import io.densemesh.runtime.error.UnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
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
  private final VModelSplits splits;
  private volatile Transitions transitions = Transitions.NONE;

  /** Told when a vmodel's active model changes, or a transition towards a target fails. */
  public interface Transitions {
    Transitions NONE = new Transitions() { };

    /** The vmodel now serves {@code to} ({@code from} empty for a new vmodel). */
    default void switched(String vmodelId, String from, String to) { }

    /** The transition towards {@code target} failed (its load failed; it is retried later). */
    default void failed(String vmodelId, String target) { }
  }

  /** Where transitions are told (the console's activity feed); one listener. */
  public void onTransitions(Transitions listener) {
    this.transitions = listener;
  }

  public VModelManagement(Registry registry, ModelManagement models, Clock clock,
      Duration loadTimeout) {
    this(registry, models, clock, loadTimeout, new VModelSplits(registry, models,
        new RouteCounters()));
  }

  /** @param splits the vmodels' traffic splits, whose pending splits advance on loads too */
  public VModelManagement(Registry registry, ModelManagement models, Clock clock,
      Duration loadTimeout, VModelSplits splits) {
    this.registry = registry;
    this.models = models;
    this.clock = clock;
    this.loadTimeout = loadTimeout;
    this.splits = splits;
  }

  /** Unscoped, waiting up to the load timeout. */
  public VModelStatusInfo set(SetVModelRequest req) {
    return set(req, TenantScope.UNSCOPED, null);
  }

  /** {@link #set(SetVModelRequest, TenantScope, Duration)} unscoped. */
  public VModelStatusInfo set(SetVModelRequest req, Duration callerDeadline) {
    return set(req, TenantScope.UNSCOPED, callerDeadline);
  }

  /**
   * ModelMesh's {@code setVModel} on behalf of a scope. A tenant may only name its own target
   * model (another tenant's answers as a missing one) and only change its own vmodel (another
   * tenant's answers as an owner conflict). The owner must match the existing vmodel's exactly:
   * an empty owner no longer matches every vmodel. Everything that can refuse the call (owner,
   * {@code updateOnly}, {@code expectedTargetModelId}, target model info) is checked before
   * anything is written, so a refused call leaves no auto-delete target model behind. Setting the
   * target that is already current changes nothing. A transition switches at once when forced,
   * when the target is already loaded, or when the active model has no copies anywhere (nothing
   * would be served while waiting); otherwise the target loads and the vmodel switches when it is
   * loaded. With {@code sync} the call waits for the transition (or the load) and fails
   * DEADLINE_EXCEEDED when it does not finish within the load timeout or the caller's deadline.
   */
  public VModelStatusInfo set(SetVModelRequest req, TenantScope scope, Duration callerDeadline) {
    boolean transitioning = checkAndWrite(req, scope);
    String target = req.getTargetModelId();
    if (req.getLoadNow() || transitioning) {
      models.load(target, req.getSync() && !transitioning);
    }
    if (req.getSync() && transitioning) {
      awaitSettled(req.getVModelId(), callerDeadline);
    }
    return status(req.getVModelId(), "", scope);
  }

  /**
   * {@link #set(SetVModelRequest, TenantScope, Duration)} with {@code sync}, without waiting on
   * a thread: checks and writes now (its errors are the call's answer) and returns what the
   * caller waits for before answering with {@link #answer}.
   */
  public Pending setAsync(SetVModelRequest req, TenantScope scope) {
    boolean transitioning = checkAndWrite(req, scope);
    String target = req.getTargetModelId();
    CompletableFuture<Void> load = CompletableFuture.completedFuture(null);
    if (req.getLoadNow() || transitioning) {
      load = models.loadAsync(target, req.getSync() && !transitioning);
    }
    return new Pending(req.getVModelId(), scope, load, req.getSync() && transitioning);
  }

  /**
   * A sync setVModel waiting: for the load ({@code load}), and with {@code transition} until the
   * vmodel settled ({@link #settled}).
   */
  public record Pending(String vmodelId, TenantScope scope, CompletableFuture<Void> load,
      boolean transition) {}

  /** Whether a transition ended: switched, or its target failed to load. */
  public boolean settled(String id) {
    VModelStatusInfo s = status(id, "");
    return s.getStatus() != VModelStatus.TRANSITIONING
        || s.getTargetModelStatus().getStatus() == ModelStatus.LOADING_FAILED;
  }

  /**
   * The answer to a sync setVModel whose wait ended: its status, or DEADLINE_EXCEEDED (as the
   * blocking call) when a transition did not settle within {@code waited}.
   */
  public VModelStatusInfo answer(Pending pending, Duration waited) {
    if (pending.transition() && !settled(pending.vmodelId())) {
      VModelStatusInfo s = status(pending.vmodelId(), "");
      throw new DeadlineExceededException("vmodel '" + pending.vmodelId()
          + "' did not reach target '" + s.getTargetModelId() + "' within " + waited.toMillis()
          + " ms");
    }
    return status(pending.vmodelId(), "", pending.scope());
  }

  /** Checks and writes a set call; true when the vmodel is now transitioning. */
  private boolean checkAndWrite(SetVModelRequest req, TenantScope scope) {
    String id = req.getVModelId();
    ModelManagement.requireId("vModelId", id);
    ModelManagement.requireId("targetModelId", req.getTargetModelId());
    String target = req.getTargetModelId();
    // ModelMesh treats an empty ModelInfo message as no ModelInfo.
    boolean hasInfo = !req.getModelInfo().equals(ModelInfo.getDefaultInstance());
    checkPreconditions(req, registry.vmodel(id), scope);
    Optional<Versioned<ModelRecord>> targetRecord = registry.model(target);
    boolean targetVisible = targetRecord.map(m -> scope.sees(m.value().getTenant()))
        .orElse(false);
    if (!hasInfo && !targetVisible) {
      throw new ModelNotFoundException("target model '" + target + "' is not registered");
    }
    boolean createdTarget = false;
    if (hasInfo) {
      if (targetRecord.isPresent() && (!targetVisible
          || !ModelManagement.sameInfo(targetRecord.get().value(), req.getModelInfo()))) {
        throw new ConflictException("target model '" + target
            + "' already exists with different model info");
      }
      long lastUsed = registry.vmodel(id)
          .flatMap(v -> registry.model(v.value().getActiveModelId()))
          .map(m -> m.value().getLastUsed()).orElse(0L);
      createdTarget = targetRecord.isEmpty();
      models.register(target, req.getModelInfo(), false, false, lastUsed,
          req.getAutoDeleteTargetModel(), scope);
    }
    String tenant = scope.scoped() ? scope.tenant()
        : registry.model(target).map(m -> m.value().getTenant()).orElse("");
    Change change;
    try {
      change = write(req, scope, tenant);
    } catch (RuntimeException e) {
      if (createdTarget) {
        models.deleteIfOrphaned(target); // refused after all (a concurrent change): no orphan
      }
      throw e;
    }
    if (change.written()) {
      change.replaced().forEach(replaced -> cleanUp(replaced, target));
    }
    VModelRecord now = registry.vmodel(id).map(Versioned::value).orElseThrow();
    return !now.getActiveModelId().equals(now.getTargetModelId());
  }

  /** What one write of the vmodel record did: the models it named before (to clean up). */
  private record Change(boolean written, java.util.Set<String> replaced) {}

  private Change write(SetVModelRequest req, TenantScope scope, String tenant) {
    String id = req.getVModelId();
    String target = req.getTargetModelId();
    for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      Optional<Versioned<VModelRecord>> existing = registry.vmodel(id);
      checkPreconditions(req, existing, scope);
      VModelRecord next;
      long version;
      java.util.Set<String> replaced = java.util.Set.of();
      if (existing.isEmpty()) {
        next = VModelRecord.newBuilder().setVmodelId(id).setOwner(req.getOwner())
            .setTenant(tenant).setActiveModelId(target).setTargetModelId(target).build();
        version = 0;
      } else {
        VModelRecord current = existing.get().value();
        version = existing.get().version();
        String active = current.getActiveModelId();
        boolean split = current.getRoutesCount() > 0 || current.getPendingRoutesCount() > 0;
        if (!split && current.getTargetModelId().equals(target)
            && (active.equals(target) || !req.getForce())) {
          return new Change(false, java.util.Set.of()); // target already current: no change
        }
        boolean switchNow = req.getForce() || active.equals(target)
            || !models.hasCopies(active)
            || models.status(target).getStatus() == ModelStatus.LOADED;
        VModelRecord.Builder b = current.toBuilder().setTargetModelId(target)
            .setTransitionFailed(false).setActiveModelId(switchNow ? target : active);
        if (split) {
          // One target is a split of one route at 100%: the split's routes give way to it.
          b.clearRoutes().clearPendingRoutes()
              .setRoutesGeneration(current.getRoutesGeneration() + 1);
        }
        next = b.build();
        replaced = VModelSplits.referenced(current);
      }
      if (registry.putVModel(next, version).isPresent()) {
        String before = existing.map(e -> e.value().getActiveModelId()).orElse("");
        if (!before.equals(next.getActiveModelId())) {
          transitions.switched(id, before, next.getActiveModelId());
        }
        return new Change(true, replaced);
      }
    }
    throw new UnavailableException("vmodel '" + id + "' kept changing; try again");
  }

  /**
   * ModelMesh's refusals; none of them writes anything. Another tenant's vmodel answers as a
   * missing one to {@code updateOnly} and as an owner conflict otherwise.
   */
  private static void checkPreconditions(SetVModelRequest req,
      Optional<Versioned<VModelRecord>> existing, TenantScope scope) {
    String id = req.getVModelId();
    String target = req.getTargetModelId();
    boolean visible = existing.isPresent() && scope.sees(existing.get().value().getTenant());
    if (req.getUpdateOnly() && !visible) {
      throw new ModelNotFoundException("vmodel '" + id + "' not found");
    }
    if (existing.isPresent() && (!visible
        || !req.getOwner().equals(existing.get().value().getOwner()))) {
      throw new ConflictException("vmodel '" + id + "' already exists with a different owner");
    }
    String expected = req.getExpectedTargetModelId();
    if (expected.isEmpty()) {
      return;
    }
    if (existing.isEmpty()) {
      if (!expected.equals(target)) {
        throw new PreconditionFailedException("vmodel '" + id + "' not found");
      }
      return; // expecting the target it is created with
    }
    String current = existing.get().value().getTargetModelId();
    if (!expected.equals(current) && !target.equals(current)) {
      throw new PreconditionFailedException("existing target model '" + current
          + "' of vmodel '" + id + "' does not match expected '" + expected + "'");
    }
  }

  private void cleanUp(String replaced, String keep) {
    if (replaced != null && !replaced.equals(keep)) {
      models.deleteIfOrphaned(replaced);
    }
  }

  private void awaitSettled(String id, Duration callerDeadline) {
    Duration wait = callerDeadline == null || callerDeadline.compareTo(loadTimeout) > 0
        ? loadTimeout : callerDeadline;
    long deadline = clock.millis() + wait.toMillis();
    while (true) {
      VModelStatusInfo s = status(id, "");
      if (s.getStatus() != VModelStatus.TRANSITIONING
          || s.getTargetModelStatus().getStatus() == ModelStatus.LOADING_FAILED) {
        return;
      }
      if (clock.millis() >= deadline) {
        throw new DeadlineExceededException("vmodel '" + id + "' did not reach target '"
            + s.getTargetModelId() + "' within " + wait.toMillis() + " ms");
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
        VModelSplits.referenced(existing.get().value()).forEach(models::deleteIfOrphaned);
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

  /** A model finished loading: vmodels waiting for it switch to it (splits included). */
  public void modelLoaded(String modelId) {
    splits.modelLoaded(modelId);
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
        transitions.switched(vmodelId, old, target);
        cleanUp(old, target);
        return;
      }
    }
  }

  /** A model failed to load: transitions towards it are marked failed (they retry later). */
  public void modelLoadFailed(String modelId) {
    for (VModelRecord v : registry.vmodels()) {
      if (v.getTargetModelId().equals(modelId) && !v.getActiveModelId().equals(modelId)) {
        registry.vmodel(v.getVmodelId()).ifPresent(cur -> {
          if (!cur.value().getTransitionFailed() && registry.putVModel(cur.value().toBuilder()
              .setTransitionFailed(true).build(), cur.version()).isPresent()) {
            transitions.failed(v.getVmodelId(), modelId);
          }
        });
      }
    }
  }
}
