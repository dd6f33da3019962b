package io.densemesh.serving;

import io.densemesh.cache.ModelCache;
import io.densemesh.registry.Registry;
import io.densemesh.runtime.ModelSpec;

/**
 * The one meaning of "model ready", for gRPC {@code ModelReady} and REST
 * {@code GET /v2/models/{m}/ready} alike: a request for the model sent to this node now is
 * served without waiting for a load, because a copy is resident here or LOADED on a live peer
 * the request would be forwarded to. A registered model loaded nowhere is not ready (its first
 * request loads it); an unregistered one is NOT_FOUND before readiness is asked.
 */
public final class ModelReadiness {

  private final ModelCache cache;
  private final Registry registry;

  public ModelReadiness(ModelCache cache, Registry registry) {
    this.cache = cache;
    this.registry = registry;
  }

  public boolean ready(ModelSpec model) {
    return cache.isLoaded(model.modelId())
        || !registry.view().loadedOn(model.modelId()).isEmpty();
  }
}
