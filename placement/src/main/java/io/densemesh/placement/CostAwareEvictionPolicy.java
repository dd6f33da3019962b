package io.densemesh.placement;

/**
 * Cost-aware eviction in the GreedyDual-Size-Frequency family: keep copies that are used often and
 * expensive to reload per byte they occupy; evict the cheap, large, rarely used ones first.
 *
 * <p>GDSF ranks an object by {@code H = L + frequency × cost / size}, where the inflation value
 * {@code L} rises over time so that objects not touched for a while lose to fresh ones. A policy
 * here must be a pure function of the copies, so the inflation is taken from the copy's own last
 * use instead of from a running counter: the value kept is
 *
 * <pre>  frequency × (reloadMillis / sizeBytes) × 2^(lastUsedMillis / halfLife)</pre>
 *
 * and {@link #retention} is its base-2 logarithm. Dividing by the common factor
 * {@code 2^(now / halfLife)} shows the meaning: a copy's worth halves for every half-life it sits
 * idle, so frequency buys a bounded amount of idle time ({@code log2(uses)} half-lives) and a
 * formerly hot model cannot squat forever. Because the current time cancels out, the order of two
 * copies never changes while neither is used, which the {@link RankedEvictionPolicy} contract
 * requires. A half-life of zero is not allowed; a very long one degenerates to size-aware LFU, a
 * very short one to LRU.
 */
public final class CostAwareEvictionPolicy implements RankedEvictionPolicy {

  /** Default half-life of an idle copy's worth. */
  public static final long DEFAULT_HALF_LIFE_MILLIS = 10 * 60_000L;

  private final double halfLifeMillis;

  public CostAwareEvictionPolicy() {
    this(DEFAULT_HALF_LIFE_MILLIS);
  }

  public CostAwareEvictionPolicy(long halfLifeMillis) {
    if (halfLifeMillis <= 0) {
      throw new IllegalArgumentException("halfLifeMillis must be > 0: " + halfLifeMillis);
    }
    this.halfLifeMillis = halfLifeMillis;
  }

  @Override
  public double retention(ResidentCopy copy) {
    double uses = Math.max(1, copy.useCount());
    double reloadMillis = Math.max(1, copy.loadMillis());
    double bytes = Math.max(1, copy.sizeBytes());
    return log2(uses) + log2(reloadMillis / bytes) + copy.lastUsedMillis() / halfLifeMillis;
  }

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }

  @Override
  public String toString() {
    return "cost-aware(halfLife=" + (long) halfLifeMillis + "ms)";
  }
}
