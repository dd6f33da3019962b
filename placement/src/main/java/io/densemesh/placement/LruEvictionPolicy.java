package io.densemesh.placement;

/**
 * The ModelMesh-like baseline: unload the least recently used evictable copies until the deficit
 * is covered. Ties on last use are broken by model id so the plan is deterministic.
 */
public final class LruEvictionPolicy implements RankedEvictionPolicy {

  @Override
  public double retention(ResidentCopy copy) {
    // Epoch millis stay below 2^53, so the double is exact.
    return copy.lastUsedMillis();
  }

  @Override
  public String toString() {
    return "lru";
  }
}
