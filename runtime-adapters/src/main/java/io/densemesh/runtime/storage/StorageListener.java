package io.densemesh.runtime.storage;

/** What model storage reports (for metrics). Called on loading threads; keep it short. */
public interface StorageListener {

  StorageListener NONE = new StorageListener() {};

  /** A remote artifact was found in the disk cache: no request went to the store. */
  default void artifactCacheHit() {}

  /** A remote artifact was not in the disk cache and is being downloaded. */
  default void artifactCacheMiss() {}

  /** A download finished and was verified. */
  default void artifactDownloaded(long bytes, long millis) {}

  /** A download failed (the reason went to the load's error). */
  default void artifactDownloadFailed() {}

  /** A cached artifact failed its size or digest check and was dropped (it is fetched again). */
  default void artifactCacheDamaged() {}

  /** An artifact left the disk cache to keep it within its bound. */
  default void artifactEvicted(long bytes) {}
}
