package io.densemesh.workload;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Draws ranks {@code 0..n-1} with probability proportional to {@code 1/(rank+1)^exponent}: the
 * skewed popularity of models (and tenant sizes) that the quickstart's clients and the placement
 * simulator's synthetic traces both use. Immutable; the caller brings the random source, so
 * seeded runs repeat.
 */
public final class ZipfSampler {

  private final double[] cdf;

  public ZipfSampler(int n, double exponent) {
    if (n < 1) {
      throw new IllegalArgumentException("a Zipf sampler needs at least one rank: " + n);
    }
    cdf = new double[n];
    double sum = 0;
    for (int k = 0; k < n; k++) {
      sum += 1.0 / Math.pow(k + 1, exponent);
      cdf[k] = sum;
    }
    for (int k = 0; k < n; k++) {
      cdf[k] /= sum;
    }
  }

  /** The next rank. */
  public int next(SplittableRandom random) {
    int i = Arrays.binarySearch(cdf, random.nextDouble());
    return Math.min(cdf.length - 1, i >= 0 ? i : -i - 1);
  }
}
