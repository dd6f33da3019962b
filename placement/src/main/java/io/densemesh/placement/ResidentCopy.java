package io.densemesh.placement;

import java.util.Objects;

/**
 * One model copy resident on an instance, as eviction sees it.
 *
 * @param modelId the model
 * @param sizeBytes measured size of the loaded copy
 * @param lastUsedMillis epoch millis of the copy's latest use
 * @param inFlight requests running on this copy right now; a copy in use is never evicted
 * @param protectedCopy true when evicting would take the model below its minimum copies, or it is
 *     pinned; such a copy is never evicted
 * @param useCount uses recorded for this copy (frequency, for cost-aware policies)
 * @param loadMillis measured time it took to load this copy (reload cost)
 */
public record ResidentCopy(
    String modelId,
    long sizeBytes,
    long lastUsedMillis,
    int inFlight,
    boolean protectedCopy,
    long useCount,
    long loadMillis) {

  public ResidentCopy {
    Objects.requireNonNull(modelId, "modelId");
    if (sizeBytes < 0) {
      throw new IllegalArgumentException("sizeBytes must be >= 0: " + sizeBytes);
    }
    if (inFlight < 0) {
      throw new IllegalArgumentException("inFlight must be >= 0: " + inFlight);
    }
  }

  /** Whether eviction may pick this copy at all. */
  public boolean evictable() {
    return inFlight == 0 && !protectedCopy;
  }
}
