package io.densemesh.cache;

import io.densemesh.runtime.LoadedModel;

/**
 * A model held for one request. While any lease is open the model is not unloaded; close it when
 * the request is done (try-with-resources).
 */
public final class ModelLease implements AutoCloseable {

  private final ModelCache cache;
  private final CacheEntry entry;
  private final LoadedModel model;
  private final boolean hit;
  private boolean closed;

  ModelLease(ModelCache cache, CacheEntry entry, LoadedModel model, boolean hit) {
    this.cache = cache;
    this.entry = entry;
    this.model = model;
    this.hit = hit;
  }

  public LoadedModel model() {
    return model;
  }

  /** Whether the model was already resident when the request arrived. */
  public boolean hit() {
    return hit;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      cache.release(entry);
    }
  }
}
