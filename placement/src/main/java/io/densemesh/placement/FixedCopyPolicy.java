package io.densemesh.placement;

/**
 * The ModelMesh-like baseline: one copy, a second as soon as the rate passes a fixed threshold,
 * back to one when it drops. Blind to how much one copy can serve.
 */
public final class FixedCopyPolicy implements CopyPolicy {

  private final double secondCopyRatePerSecond;
  private final long idleTtlMillis;

  public FixedCopyPolicy(double secondCopyRatePerSecond, long idleTtlMillis) {
    if (!(secondCopyRatePerSecond > 0)) {
      throw new IllegalArgumentException(
          "secondCopyRatePerSecond must be > 0: " + secondCopyRatePerSecond);
    }
    if (idleTtlMillis < 0) {
      throw new IllegalArgumentException("idleTtlMillis must be >= 0: " + idleTtlMillis);
    }
    this.secondCopyRatePerSecond = secondCopyRatePerSecond;
    this.idleTtlMillis = idleTtlMillis;
  }

  @Override
  public int target(ModelDemand demand, ModelUsage usage, long nowMillis) {
    int wanted = usage.ratePerSecond() >= secondCopyRatePerSecond ? 2 : 1;
    return CopyPolicy.bounded(demand, usage, wanted, idleTtlMillis, nowMillis);
  }

  @Override
  public String toString() {
    return "fixed(2 at " + secondCopyRatePerSecond + "/s)";
  }
}
