package io.densemesh.cache;

/**
 * What the cache tells the rest of the node. Called on the loading or evicting thread; keep it
 * short. All methods default to doing nothing.
 */
public interface CacheListener {

  default void hit(String modelId) {}

  default void miss(String modelId) {}

  default void loaded(String modelId, long sizeBytes, long loadMillis) {}

  default void loadFailed(String modelId, String reason) {}

  default void unloaded(String modelId, boolean evicted, long residentMillis) {}
}
