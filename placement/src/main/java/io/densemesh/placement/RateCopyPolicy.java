package io.densemesh.placement;

/**
 * Copies in proportion to demand: {@code ceil(rate / perCopyRate)}, at least one while the model is
 * resident, bounded by the model's min/max copies, and back to the floor after an idle TTL.
 * {@code perCopyRate} is the sustained request rate one copy serves within its latency target.
 */
public final class RateCopyPolicy implements CopyPolicy {

  private final double perCopyRatePerSecond;
  private final long idleTtlMillis;

  public RateCopyPolicy(double perCopyRatePerSecond, long idleTtlMillis) {
    if (!(perCopyRatePerSecond > 0)) {
      throw new IllegalArgumentException("perCopyRatePerSecond must be > 0: " + perCopyRatePerSecond);
    }
    if (idleTtlMillis < 0) {
      throw new IllegalArgumentException("idleTtlMillis must be >= 0: " + idleTtlMillis);
    }
    this.perCopyRatePerSecond = perCopyRatePerSecond;
    this.idleTtlMillis = idleTtlMillis;
  }

  @Override
  public int target(ModelDemand demand, ModelUsage usage, long nowMillis) {
    double wanted = Math.ceil(usage.ratePerSecond() / perCopyRatePerSecond);
    int copies = (int) Math.min(Integer.MAX_VALUE, Math.max(1, wanted));
    return CopyPolicy.bounded(demand, usage, copies, idleTtlMillis, nowMillis);
  }

  @Override
  public String toString() {
    return "rate(" + perCopyRatePerSecond + "/s per copy)";
  }
}
