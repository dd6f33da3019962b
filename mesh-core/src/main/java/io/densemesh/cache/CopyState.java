package io.densemesh.cache;

/**
 * The local copy of a model as status reporting sees it.
 *
 * @param phase LOADING, LOADED or FAILED
 * @param sinceMillis when the copy entered this phase
 * @param sizeBytes measured size once loaded, else 0
 * @param failure the load failure's reason when FAILED, else empty
 * @param loadMillis how long the load took once loaded, else 0
 * @param gpuBytes measured GPU memory once loaded, 0 for a CPU model or while not loaded
 */
public record CopyState(Phase phase, long sinceMillis, long sizeBytes, String failure,
    long loadMillis, long gpuBytes) {

  /** A copy that holds no GPU memory. */
  public CopyState(Phase phase, long sinceMillis, long sizeBytes, String failure,
      long loadMillis) {
    this(phase, sinceMillis, sizeBytes, failure, loadMillis, 0);
  }

  /** Life-cycle phase of a local copy. */
  public enum Phase {
    LOADING,
    LOADED,
    FAILED
  }
}
