package io.densemesh.perf.sim;

import java.util.SplittableRandom;

/**
 * How synthetic models look: log-normal sizes (median 64 MiB, most between 16 MiB and 256 MiB,
 * clipped to 4 MiB..2 GiB) and a load time of a fixed runtime overhead plus transfer at 150 MiB/s,
 * scaled by a log-normal factor for runtime variety. Small models therefore cost more to reload
 * per byte than big ones, as in practice.
 */
final class ModelShapes {

  static final long MIB = 1L << 20;
  private static final double MEDIAN_BYTES = 64 * MIB;
  private static final double OVERHEAD_MILLIS = 300;
  private static final double BYTES_PER_MILLI = 150.0 * MIB / 1000;

  private ModelShapes() {}

  static long sampleSize(SplittableRandom random) {
    double size = MEDIAN_BYTES * Math.exp(gaussian(random));
    return Math.max(4 * MIB, Math.min(2048 * MIB, (long) size));
  }

  static long loadMillis(long sizeBytes, SplittableRandom random) {
    return loadMillis(sizeBytes, Math.exp(0.3 * gaussian(random)));
  }

  static long loadMillis(long sizeBytes, double factor) {
    return Math.max(1, Math.round((OVERHEAD_MILLIS + sizeBytes / BYTES_PER_MILLI) * factor));
  }

  static double gaussian(SplittableRandom random) {
    // Box-Muller; SplittableRandom has no nextGaussian on Java 17.
    double u = 1.0 - random.nextDouble();
    double v = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
