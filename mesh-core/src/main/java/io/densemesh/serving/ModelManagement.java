package io.densemesh.serving;

import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.ModelStatusInfo;
import io.densemesh.api.mmesh.ModelStatusInfo.ModelStatus;
import io.densemesh.api.registry.ModelRecord;
import io.densemesh.api.registry.VModelRecord;
import io.densemesh.cache.CopyState;
import io.densemesh.cache.ModelCache;
import io.densemesh.registry.Registry;
import io.densemesh.registry.Versioned;
import io.densemesh.runtime.error.ConflictException;
import io.densemesh.runtime.error.InvalidInputException;
import io.densemesh.runtime.error.MeshException;
import io.densemesh.runtime.error.PreconditionFailedException;
import io.densemesh.runtime.error.UnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * ModelMesh's model lifecycle semantics on top of the registry and the local cache: idempotent
 * registration (ALREADY_EXISTS on different info), unregistration guarded by vmodel references,
 * status from the local copy, and on-demand or eager loads.
 */
public final class ModelManagement {

  static final int MAX_ID_LENGTH = 512;
  private static final int CAS_ATTEMPTS = 16;

  private final Registry registry;
  private final ModelCache cache;
  private final Clock clock;
  private final String instanceId;
  private final Duration loadTimeout;

  public ModelManagement(Registry registry, ModelCache cache, Clock clock, String instanceId,
      Duration loadTimeout) {
    this.registry = registry;
    this.cache = cache;
    this.clock = clock;
    this.instanceId = instanceId;
    this.loadTimeout = loadTimeout;
  }

  /** Registers a model; see model-mesh.proto for the contract. */
  public ModelStatusInfo register(String modelId, ModelInfo info, boolean loadNow, boolean sync,
      long lastUsed, boolean autoDelete) {
    requireId("modelId", modelId);
    if (info.getType().isEmpty()) {
      throw new InvalidInputException("modelInfo.type must be non-empty");
    }
    ModelRecord record =
        ModelRecord.newBuilder()
            .setModelId(modelId)
            .setType(info.getType())
            .setPath(info.getPath())
            .setKey(info.getKey())
            .setRegisteredAt(clock.millis())
            .setLastUsed(lastUsed > 0 ? lastUsed : clock.millis())
            .setAutoDelete(autoDelete)
            .build();
    for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      Optional<Versioned<ModelRecord>> existing = registry.model(modelId);
      if (existing.isPresent()) {
        if (!sameInfo(existing.get().value(), info)) {
          throw new ConflictException(
              "model '" + modelId + "' is already registered with different model info");
        }
        break;
      }
      if (registry.putModel(record, 0).isPresent()) {
        break;
      }
    }
    if (loadNow) {
      load(modelId, sync);
    }
    return status(modelId);
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

  /** A vmodel that refers to the model as active or target, if any. */
  Optional<String> referrer(String modelId) {
    for (VModelRecord v : registry.vmodels()) {
      if (v.getActiveModelId().equals(modelId) || v.getTargetModelId().equals(modelId)) {
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

  /** Ensures the model is loaded (waiting when {@code sync}); NOT_FOUND status when unknown. */
  public ModelStatusInfo ensureLoaded(String modelId, boolean sync) {
    requireId("modelId", modelId);
    if (registry.model(modelId).isEmpty()) {
      return notFound();
    }
    load(modelId, sync);
    return status(modelId);
  }

  void load(String modelId, boolean sync) {
    Optional<Versioned<ModelRecord>> model = registry.model(modelId);
    if (model.isEmpty()) {
      return;
    }
    var spec = ModelResolver.spec(model.get().value());
    try {
      if (sync) {
        cache.awaitLoaded(spec, loadTimeout);
      } else {
        cache.ensureLoading(spec);
      }
    } catch (MeshException e) {
      // The status reports the failure (LOADING_FAILED with its reason); a sync caller that
      // timed out sees LOADING.
    }
  }

  /** The model's status as ModelMesh reports it. */
  public ModelStatusInfo status(String modelId) {
    requireId("modelId", modelId);
    if (registry.model(modelId).isEmpty()) {
      return notFound();
    }
    Optional<CopyState> copy = cache.copyState(modelId);
    if (copy.isEmpty()) {
      return ModelStatusInfo.newBuilder().setStatus(ModelStatus.NOT_LOADED).build();
    }
    CopyState state = copy.get();
    ModelStatus status =
        switch (state.phase()) {
          case LOADING -> ModelStatus.LOADING;
          case LOADED -> ModelStatus.LOADED;
          case FAILED -> ModelStatus.LOADING_FAILED;
        };
    ModelStatusInfo.Builder info = ModelStatusInfo.newBuilder().setStatus(status);
    if (!state.failure().isEmpty()) {
      info.addErrors(state.failure());
    }
    info.addModelCopyInfosBuilder()
        .setLocation(instanceId)
        .setCopyStatus(status)
        .setTime(state.sinceMillis());
    return info.build();
  }

  static ModelStatusInfo notFound() {
    return ModelStatusInfo.newBuilder().setStatus(ModelStatus.NOT_FOUND).build();
  }

  static void requireId(String field, String id) {
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
