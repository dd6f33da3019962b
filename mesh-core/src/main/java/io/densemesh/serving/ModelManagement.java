package io.densemesh.serving;

import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.ModelStatusInfo;
import io.densemesh.api.mmesh.ModelStatusInfo.ModelStatus;
import io.densemesh.api.registry.ModelRecord;
import io.densemesh.api.registry.VModelRecord;
import io.densemesh.api.registry.CopyRecord;
import io.densemesh.api.registry.LoadFailure;
import io.densemesh.cache.CopyState;
import io.densemesh.registry.MeshView;
import io.densemesh.runtime.ModelSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import io.densemesh.cache.ModelCache;
import io.densemesh.registry.Registry;
import io.densemesh.registry.Versioned;
import io.densemesh.runtime.error.ConflictException;
import io.densemesh.runtime.error.InvalidInputException;
import io.densemesh.runtime.error.MeshException;
import io.densemesh.runtime.error.ModelNotFoundException;
import io.densemesh.runtime.error.PreconditionFailedException;
import io.densemesh.runtime.error.TenantLimitException;
import io.densemesh.runtime.error.UnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * ModelMesh's model lifecycle semantics on top of the registry and the local cache: idempotent
 * registration (ALREADY_EXISTS on different info), unregistration guarded by vmodel references,
 * status from the local copy, and on-demand or eager loads.
 */
public final class ModelManagement {

  static final int MAX_ID_LENGTH = 512;
  /** ModelMesh's {@code LASTUSED_AGE_ON_ADD_MS}: how far a new registration is back-dated. */
  static final Duration LASTUSED_AGE_ON_ADD = Duration.ofHours(1);
  private static final int CAS_ATTEMPTS = 16;
  /** Registry records read per step when counting a tenant's models. */
  private static final int COUNT_PAGE = 1000;

  private final Registry registry;
  private final ModelCache cache;
  private final Clock clock;
  private final String instanceId;
  private final Duration failureExpiry;
  private final CopyEnsurer copies;

  /** Makes a copy of a model exist somewhere in the mesh (waiting for LOADED when sync). */
  public interface CopyEnsurer {
    void ensureCopy(ModelSpec spec, boolean sync);

    /** {@link #ensureCopy} without a thread; by default, done at once after the call. */
    default CompletableFuture<Void> ensureCopyAsync(ModelSpec spec, boolean sync) {
      try {
        ensureCopy(spec, sync);
        return CompletableFuture.completedFuture(null);
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
  }

  public ModelManagement(Registry registry, ModelCache cache, Clock clock, String instanceId,
      Duration failureExpiry, CopyEnsurer copies) {
    this.registry = registry;
    this.cache = cache;
    this.clock = clock;
    this.instanceId = instanceId;
    this.failureExpiry = failureExpiry;
    this.copies = copies;
  }

  /** Registers a model; see model-mesh.proto for the contract. */
  public ModelStatusInfo register(String modelId, ModelInfo info, boolean loadNow, boolean sync,
      long lastUsed, boolean autoDelete) {
    return register(modelId, info, loadNow, sync, lastUsed, autoDelete, 0, 0, "");
  }

  /**
   * Registers a model with DenseMesh's copy bounds and tenant in the same record (MeshAdmin's
   * {@code registerModel}). Registering the same info again is idempotent; different bounds or
   * tenant on an existing registration replace the old ones.
   */
  public ModelStatusInfo register(String modelId, ModelInfo info, boolean loadNow, boolean sync,
      long lastUsed, boolean autoDelete, int minCopies, int maxCopies, String tenant) {
    return register(modelId, info, loadNow, sync, lastUsed, autoDelete, minCopies, maxCopies,
        tenant, TenantScope.UNSCOPED);
  }

  /**
   * Registers a model on behalf of a scope: unscoped, as {@link #register(String, ModelInfo,
   * boolean, boolean, long, boolean)}; for a tenant, the model is the tenant's, an id held by
   * another tenant answers as a registration with different info would (ALREADY_EXISTS, nothing
   * about the holder), a re-registration leaves copy bounds alone, and a new model must fit the
   * tenant's model limit.
   */
  public ModelStatusInfo register(String modelId, ModelInfo info, boolean loadNow, boolean sync,
      long lastUsed, boolean autoDelete, TenantScope scope) {
    return register(modelId, info, loadNow, sync, lastUsed, autoDelete, 0, 0, scope.tenant(),
        scope);
  }

  private ModelStatusInfo register(String modelId, ModelInfo info, boolean loadNow, boolean sync,
      long lastUsed, boolean autoDelete, int minCopies, int maxCopies, String tenant,
      TenantScope scope) {
    record(modelId, info, loadNow, lastUsed, autoDelete, minCopies, maxCopies, tenant, scope);
    if (loadNow) {
      load(modelId, sync);
    }
    return status(modelId);
  }

  /**
   * Registers a model for a tenant scope as {@link #register(String, ModelInfo, boolean, boolean,
   * long, boolean, TenantScope)} with {@code loadNow} and {@code sync}, without waiting on a
   * thread: the registration is written now; the returned future completes when the load
   * finished (successfully or not; never exceptionally). The caller answers with
   * {@link #status(String)} once it completes or its wait ends.
   */
  public CompletableFuture<Void> registerAndLoad(String modelId, ModelInfo info, long lastUsed,
      boolean autoDelete, TenantScope scope) {
    record(modelId, info, true, lastUsed, autoDelete, 0, 0, scope.tenant(), scope);
    return loadAsync(modelId, true);
  }

  /** Writes (or keeps, when the same) the model's registration record. */
  private void record(String modelId, ModelInfo info, boolean loadNow, long lastUsed,
      boolean autoDelete, int minCopies, int maxCopies, String tenant, TenantScope scope) {
    requireId("modelId", modelId);
    if (minCopies < 0 || maxCopies < 0 || (maxCopies > 0 && minCopies > maxCopies)) {
      throw new InvalidInputException("copy bounds must be >= 0 with min_copies <= max_copies,"
          + " got " + minCopies + ".." + maxCopies);
    }
    if (info.getType().isEmpty()) {
      throw new InvalidInputException("modelInfo.type must be non-empty");
    }
    long lastUsedAt = lastUsedOnRegistration(lastUsed, loadNow);
    ModelRecord record =
        ModelRecord.newBuilder()
            .setModelId(modelId)
            .setType(info.getType())
            .setPath(info.getPath())
            .setKey(info.getKey())
            .setRegisteredAt(clock.millis())
            .setLastUsed(lastUsedAt)
            .setAutoDelete(autoDelete)
            .setMinCopies(minCopies)
            .setMaxCopies(maxCopies)
            .setTenant(tenant)
            .build();
    for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      Optional<Versioned<ModelRecord>> existing = registry.model(modelId);
      if (existing.isPresent()) {
        ModelRecord current = existing.get().value();
        if (!sameInfo(current, info) || !scope.sees(current.getTenant())) {
          throw new ConflictException(
              "model '" + modelId + "' is already registered with different model info");
        }
        boolean samePolicy = current.getMinCopies() == minCopies
            && current.getMaxCopies() == maxCopies && current.getTenant().equals(tenant);
        // A tenant's re-registration never changes bounds or tenant: those are the admin's to set.
        boolean keepPolicy = scope.scoped() || samePolicy
            || (minCopies == 0 && maxCopies == 0 && tenant.isEmpty());
        // As ModelMesh: re-registering without loadNow moves lastUsed forward when the given
        // time is more than the back-dating age newer than the recorded one.
        boolean touch = !loadNow
            && lastUsedAt > current.getLastUsed() + LASTUSED_AGE_ON_ADD.toMillis();
        if (keepPolicy && !touch) {
          break; // idempotent; a plain mmesh re-registration leaves DenseMesh's fields alone
        }
        ModelRecord.Builder next = current.toBuilder();
        if (!keepPolicy) {
          next.setMinCopies(minCopies).setMaxCopies(maxCopies).setTenant(tenant);
        }
        if (touch) {
          next.setLastUsed(lastUsedAt);
        }
        if (registry.putModel(next.build(), existing.get().version()).isPresent()) {
          break;
        }
        continue;
      }
      requireRoomFor(scope);
      if (registry.putModel(record, 0).isPresent()) {
        break;
      }
    }
  }

  /** A tenant at its model limit cannot register another model. */
  private void requireRoomFor(TenantScope scope) {
    if (!scope.scoped() || scope.maxModels() <= 0) {
      return;
    }
    long held = 0;
    String after = "";
    // Pages through the registry (records are not all held in memory); stops at the limit.
    while (held < scope.maxModels()) {
      List<ModelRecord> page = registry.models(after, COUNT_PAGE);
      for (ModelRecord m : page) {
        if (m.getTenant().equals(scope.tenant())) {
          held++;
        }
      }
      if (page.size() < COUNT_PAGE) {
        break;
      }
      after = page.get(page.size() - 1).getModelId();
    }
    if (held >= scope.maxModels()) {
      throw new TenantLimitException("tenant '" + scope.tenant() + "' has " + held
          + " models registered, its limit (tenantMaxModels " + scope.maxModels()
          + "); unregister one first", Optional.empty());
    }
  }

  /**
   * ModelMesh's {@code lastUsedTime} rule: a time in the future is now; a given past time is kept;
   * none (0) back-dates the model by {@link #LASTUSED_AGE_ON_ADD} (six times that when it is not
   * loaded now), so a model nobody has used yet ranks behind models in use.
   */
  long lastUsedOnRegistration(long lastUsed, boolean loadNow) {
    long now = clock.millis();
    if (lastUsed >= now) {
      return now;
    }
    return lastUsed > 0 ? lastUsed
        : now - LASTUSED_AGE_ON_ADD.toMillis() * (loadNow ? 1 : 6);
  }

  /** Whether any node holds or is loading a copy of the model (this node's cache included). */
  boolean hasCopies(String modelId) {
    if (cache.copyState(modelId).isPresent()) {
      return true;
    }
    MeshView view = registry.view();
    return view.copiesOf(modelId).values().stream()
        .anyMatch(c -> view.instances().containsKey(c.getInstanceId()));
  }

  static boolean sameInfo(ModelRecord record, ModelInfo info) {
    return record.getType().equals(info.getType())
        && record.getPath().equals(info.getPath())
        && record.getKey().equals(info.getKey());
  }

  /** Unregisters a model (no-op when unknown); refused while a vmodel refers to it. */
  public void unregister(String modelId) {
    requireId("modelId", modelId);
    for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      Optional<Versioned<ModelRecord>> existing = registry.model(modelId);
      if (existing.isEmpty()) {
        cache.unload(modelId);
        return;
      }
      Optional<String> referrer = referrer(modelId);
      if (referrer.isPresent()) {
        throw new PreconditionFailedException(
            "model '" + modelId + "' is used by vmodel '" + referrer.get()
                + "'; delete or retarget the vmodel first");
      }
      if (registry.deleteModel(modelId, existing.get().version())) {
        cache.unload(modelId);
        return;
      }
    }
    throw new UnavailableException("model '" + modelId + "' kept changing; try again");
  }

  /** A vmodel that refers to the model (active, target or in a split), if any. */
  Optional<String> referrer(String modelId) {
    for (VModelRecord v : registry.vmodels()) {
      if (VModelSplits.referenced(v).contains(modelId)) {
        return Optional.of(v.getVmodelId());
      }
    }
    return Optional.empty();
  }

  /** Deletes an auto-delete model once nothing refers to it any more. */
  void deleteIfOrphaned(String modelId) {
    Optional<Versioned<ModelRecord>> model = registry.model(modelId);
    if (model.isPresent() && model.get().value().getAutoDelete() && referrer(modelId).isEmpty()
        && registry.deleteModel(modelId, model.get().version())) {
      cache.unload(modelId);
    }
  }

  /**
   * Sets a registered model's copy bounds (0: the mesh default) and, when given, its tenant.
   *
   * @throws InvalidInputException when a bound is negative or min exceeds a positive max
   * @throws ModelNotFoundException when the model is not registered
   */
  public ModelRecord setPolicy(String modelId, int minCopies, int maxCopies,
      Optional<String> tenant) {
    requireId("modelId", modelId);
    if (minCopies < 0 || maxCopies < 0) {
      throw new InvalidInputException("min_copies and max_copies must be >= 0");
    }
    if (maxCopies > 0 && minCopies > maxCopies) {
      throw new InvalidInputException("min_copies (" + minCopies
          + ") must not exceed max_copies (" + maxCopies + ")");
    }
    for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      Optional<Versioned<ModelRecord>> current = registry.model(modelId);
      if (current.isEmpty()) {
        throw new ModelNotFoundException("model '" + modelId + "' is not registered");
      }
      ModelRecord.Builder next = current.get().value().toBuilder().setMinCopies(minCopies)
          .setMaxCopies(maxCopies);
      tenant.ifPresent(next::setTenant);
      ModelRecord written = next.build();
      if (registry.putModel(written, current.get().version()).isPresent()) {
        return written;
      }
    }
    throw new UnavailableException("model '" + modelId + "' kept changing; try again");
  }

  /**
   * Ensures the model is loaded (waiting when {@code sync}).
   *
   * @throws ModelNotFoundException when the id is not registered (gRPC NOT_FOUND, as ModelMesh)
   */
  public ModelStatusInfo ensureLoaded(String modelId, boolean sync) {
    requireId("modelId", modelId);
    if (registry.model(modelId).isEmpty()) {
      throw new ModelNotFoundException("model '" + modelId + "' not found");
    }
    load(modelId, sync);
    return status(modelId);
  }

  /**
   * {@link #ensureLoaded(String, boolean)} with {@code sync}, without waiting on a thread: checks
   * now (NOT_FOUND, bad id), and returns a future that completes when the load finished
   * (successfully or not; never exceptionally). The caller answers with {@link #status(String)}.
   */
  public CompletableFuture<Void> ensureLoadedAsync(String modelId) {
    requireId("modelId", modelId);
    if (registry.model(modelId).isEmpty()) {
      throw new ModelNotFoundException("model '" + modelId + "' not found");
    }
    return loadAsync(modelId, true);
  }

  /**
   * {@link #load} without a thread: a failure is not the caller's error (the status reports it,
   * LOADING_FAILED with its reason), so the future always completes normally.
   */
  CompletableFuture<Void> loadAsync(String modelId, boolean sync) {
    Optional<Versioned<ModelRecord>> model = registry.model(modelId);
    if (model.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    var spec = ModelResolver.spec(model.get().value());
    CompletableFuture<Void> loading;
    try {
      loading = copies.ensureCopyAsync(spec, sync);
    } catch (MeshException e) {
      return CompletableFuture.completedFuture(null);
    }
    return loading.handle((done, failure) -> null);
  }

  void load(String modelId, boolean sync) {
    Optional<Versioned<ModelRecord>> model = registry.model(modelId);
    if (model.isEmpty()) {
      return;
    }
    var spec = ModelResolver.spec(model.get().value());
    try {
      copies.ensureCopy(spec, sync);
    } catch (MeshException e) {
      // The status reports the failure (LOADING_FAILED with its reason); a sync caller that
      // timed out sees LOADING.
    }
  }

  /**
   * The model's status as ModelMesh reports it, mesh-wide: every live copy from the registry
   * view, this node's own copy even before it is published, and load failures recorded on the
   * model within the failure backoff. Any node gives the same answer once its view is current.
   */
  public ModelStatusInfo status(String modelId) {
    requireId("modelId", modelId);
    Optional<Versioned<ModelRecord>> record = registry.model(modelId);
    return record.isEmpty() ? notFound() : status(record.get().value());
  }

  /** {@link #status(String)} of a record already read (a listing pages through records). */
  public ModelStatusInfo status(ModelRecord record) {
    String modelId = record.getModelId();
    MeshView view = registry.view();
    ModelStatusInfo.Builder info = ModelStatusInfo.newBuilder();
    Set<String> listed = new HashSet<>();
    boolean loaded = false;
    boolean loading = false;
    List<CopyRecord> copiesInView = new ArrayList<>(view.copiesOf(modelId).values());
    copiesInView.sort(Comparator.comparing(CopyRecord::getInstanceId));
    for (CopyRecord copy : copiesInView) {
      if (!view.instances().containsKey(copy.getInstanceId())
          || copy.getInstanceId().equals(instanceId)) {
        continue; // gone, or this node: its cache is fresher than its published record
      }
      boolean isLoaded = copy.getState() == CopyRecord.State.LOADED;
      loaded |= isLoaded;
      loading |= !isLoaded;
      listed.add(copy.getInstanceId());
      info.addModelCopyInfosBuilder().setLocation(copy.getInstanceId())
          .setCopyStatus(isLoaded ? ModelStatus.LOADED : ModelStatus.LOADING)
          .setTime(copy.getSince());
    }
    boolean failed = false;
    Optional<CopyState> local = cache.copyState(modelId);
    if (local.isPresent()) {
      CopyState state = local.get();
      ModelStatus status = switch (state.phase()) {
        case LOADING -> ModelStatus.LOADING;
        case LOADED -> ModelStatus.LOADED;
        case FAILED -> ModelStatus.LOADING_FAILED;
      };
      loaded |= status == ModelStatus.LOADED;
      loading |= status == ModelStatus.LOADING;
      failed |= status == ModelStatus.LOADING_FAILED;
      if (!state.failure().isEmpty()) {
        info.addErrors(state.failure());
      }
      listed.add(instanceId);
      info.addModelCopyInfosBuilder().setLocation(instanceId).setCopyStatus(status)
          .setTime(state.sinceMillis());
    }
    long since = clock.millis() - failureExpiry.toMillis();
    for (LoadFailure f : record.getFailuresList()) {
      if (f.getTime() < since || listed.contains(f.getInstanceId())) {
        continue;
      }
      failed = true;
      listed.add(f.getInstanceId());
      if (!info.getErrorsList().contains(f.getReason())) {
        info.addErrors(f.getReason());
      }
      info.addModelCopyInfosBuilder().setLocation(f.getInstanceId())
          .setCopyStatus(ModelStatus.LOADING_FAILED).setTime(f.getTime());
    }
    info.setStatus(loaded ? ModelStatus.LOADED
        : loading ? ModelStatus.LOADING
        : failed ? ModelStatus.LOADING_FAILED
        : ModelStatus.NOT_LOADED);
    return info.build();
  }

  /** What a status call answers for a model that is not registered (or not the caller's). */
  public static ModelStatusInfo notFound() {
    return ModelStatusInfo.newBuilder().setStatus(ModelStatus.NOT_FOUND).build();
  }

  public static void requireId(String field, String id) {
    if (id == null || id.isEmpty()) {
      throw new InvalidInputException(field + " must be non-empty");
    }
    if (id.length() > MAX_ID_LENGTH) {
      throw new InvalidInputException(field + " is longer than " + MAX_ID_LENGTH + " characters");
    }
    for (int i = 0; i < id.length(); i++) {
      if (Character.isISOControl(id.charAt(i))) {
        throw new InvalidInputException(field + " contains a control character");
      }
    }
  }
}
