package io.densemesh.perf.sim;

/**
 * Parameters of a synthetic trace.
 *
 * @param models models in the base catalog (scenarios may add some)
 * @param requests requests to generate
 * @param ratePerSecond mean Poisson arrival rate, in simulated time
 * @param zipfExponent popularity skew
 * @param nodes nodes of the cluster (bounds max copies; sizes the big model)
 * @param capacityFraction cluster memory as a fraction of all models' bytes
 * @param seed the RNG seed; the same seed gives the same trace
 */
public record TraceParams(
    int models,
    long requests,
    double ratePerSecond,
    double zipfExponent,
    int nodes,
    double capacityFraction,
    long seed) {

  public TraceParams {
    if (models < 1) {
      throw new IllegalArgumentException("--models must be >= 1: " + models);
    }
    if (requests < 1 || requests > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("--requests must be in [1, 2^31): " + requests);
    }
    if (!(ratePerSecond > 0)) {
      throw new IllegalArgumentException("--rate must be > 0: " + ratePerSecond);
    }
    if (!(zipfExponent >= 0)) {
      throw new IllegalArgumentException("--zipf must be >= 0: " + zipfExponent);
    }
    if (!(capacityFraction > 0 && capacityFraction <= 1)) {
      throw new IllegalArgumentException("--capacity must be in (0, 1]: " + capacityFraction);
    }
  }

  public long durationMillis() {
    return (long) (requests * 1000.0 / ratePerSecond);
  }
}
