package io.densemesh.runtimeserver;

import io.densemesh.cache.RuntimeRegistry;
import io.densemesh.runtime.LoadedModel;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.error.MeshException;
import io.densemesh.runtime.error.ModelLoadException;
import io.densemesh.runtime.error.ModelNotFoundException;
import io.densemesh.runtime.error.UnavailableException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models a runtime process holds, as the SPI contract wants them handled: a load of an id
 * already loaded or loading joins it; {@code unload} of an id still loading cancels it (the model
 * is closed the moment its load ends, never kept); {@code unload} of an unknown id succeeds;
 * {@link #purge} empties everything (before answering READY).
 */
final class HostedModels implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(HostedModels.class);

  private final RuntimeRegistry runtimes;
  private final Map<String, Hosted> models = new ConcurrentHashMap<>();

  /** One model's slot; {@code cancelled} and completion are decided under its monitor. */
  private static final class Hosted {
    final CompletableFuture<LoadedModel> ready = new CompletableFuture<>();
    boolean cancelled;
  }

  HostedModels(RuntimeRegistry runtimes) {
    this.runtimes = runtimes;
  }

  /**
   * Loads a model (blocking).
   *
   * @throws ModelLoadException the runtime could not load it (nothing stays loaded)
   * @throws UnavailableException it was unloaded while loading
   */
  LoadedModel load(ModelSpec spec) {
    Hosted hosted = new Hosted();
    Hosted existing = models.putIfAbsent(spec.modelId(), hosted);
    if (existing != null) {
      return join(spec.modelId(), existing);
    }
    LoadedModel model;
    try {
      Path artifact = Path.of(spec.path());
      model = runtimes.forType(spec.type()).load(spec, artifact);
    } catch (RuntimeException e) {
      models.remove(spec.modelId(), hosted);
      hosted.ready.completeExceptionally(e);
      throw e instanceof MeshException ? e
          : new ModelLoadException("loading '" + spec.modelId() + "' failed: " + e, e);
    }
    synchronized (hosted) {
      if (!hosted.cancelled) {
        hosted.ready.complete(model);
        return model;
      }
    }
    model.close();
    UnavailableException cancelled = new UnavailableException(
        "the load of '" + spec.modelId() + "' was cancelled by an unload");
    hosted.ready.completeExceptionally(cancelled);
    log.info("discarded {}: unloaded while it was loading", spec.modelId());
    throw cancelled;
  }

  private static LoadedModel join(String id, Hosted hosted) {
    try {
      return hosted.ready.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted waiting for the load of '" + id + "'");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof MeshException mesh) {
        throw mesh;
      }
      throw new ModelLoadException("loading '" + id + "' failed: " + e.getCause(), e);
    }
  }

  /** Unloads now, or cancels a running load; unknown ids are fine. */
  void unload(String id) {
    Hosted hosted = models.remove(id);
    if (hosted == null) {
      return;
    }
    LoadedModel model = null;
    synchronized (hosted) {
      hosted.cancelled = true;
      if (hosted.ready.isDone() && !hosted.ready.isCompletedExceptionally()) {
        model = hosted.ready.join();
      }
    }
    if (model != null) {
      model.close();
      log.debug("unloaded {}", id);
    }
  }

  /** The loaded model. @throws ModelNotFoundException when it is not (or not yet) loaded */
  LoadedModel get(String id) {
    Hosted hosted = models.get(id);
    if (hosted != null && hosted.ready.isDone() && !hosted.ready.isCompletedExceptionally()) {
      return hosted.ready.join();
    }
    throw new ModelNotFoundException("model '" + id + "' is not loaded in this runtime");
  }

  Optional<LoadedModel> find(String id) {
    try {
      return Optional.of(get(id));
    } catch (ModelNotFoundException e) {
      return Optional.empty();
    }
  }

  /** Ids loaded or loading. */
  Set<String> ids() {
    return Set.copyOf(models.keySet());
  }

  long usedBytes() {
    long used = 0;
    for (String id : models.keySet()) {
      used += find(id).map(LoadedModel::sizeBytes).orElse(0L);
    }
    return used;
  }

  void purge() {
    models.keySet().forEach(this::unload);
  }

  @Override
  public void close() {
    purge();
  }
}
