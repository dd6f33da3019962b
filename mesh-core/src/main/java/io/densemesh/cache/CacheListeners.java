package io.densemesh.cache;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Fans cache events out to listeners; more can join after the cache exists. */
public final class CacheListeners implements CacheListener {

  private final List<CacheListener> listeners;

  public CacheListeners(List<CacheListener> initial) {
    this.listeners = new CopyOnWriteArrayList<>(initial);
  }

  public void add(CacheListener listener) {
    listeners.add(listener);
  }

  @Override
  public void hit(String modelId) {
    listeners.forEach(l -> l.hit(modelId));
  }

  @Override
  public void miss(String modelId) {
    listeners.forEach(l -> l.miss(modelId));
  }

  @Override
  public void loaded(String modelId, long sizeBytes, long loadMillis) {
    listeners.forEach(l -> l.loaded(modelId, sizeBytes, loadMillis));
  }

  @Override
  public void loadFailed(String modelId, String reason) {
    listeners.forEach(l -> l.loadFailed(modelId, reason));
  }

  @Override
  public void unloaded(String modelId, boolean evicted, long residentMillis) {
    listeners.forEach(l -> l.unloaded(modelId, evicted, residentMillis));
  }

  @Override
  public void loadDropped(String modelId) {
    listeners.forEach(l -> l.loadDropped(modelId));
  }

  @Override
  public void refused(String modelId, String reason) {
    listeners.forEach(l -> l.refused(modelId, reason));
  }
}
