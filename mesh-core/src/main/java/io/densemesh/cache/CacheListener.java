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

  /** A queued load was dropped before it started: every caller waiting for it had left. */
  default void loadDropped(String modelId) {}

  /**
   * A request (or load) for the model was refused for overload; {@code reason} is one of
   * {@link ModelCache#WAITING_FOR_MODEL} or {@link ModelCache#LOAD_QUEUE}.
   */
  default void refused(String modelId, String reason) {}
}
