package io.densemesh.console;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Inference latencies of one model in fixed buckets (upper bounds {@link #BOUNDS_MICROS}, the
 * last one open), counted without locks; quantiles are read as the upper bound of the bucket the
 * rank falls in, the resolution a console chart shows.
 */
final class LatencyHistogram {

  /** Bucket upper bounds in microseconds; a last bucket holds everything slower. */
  static final long[] BOUNDS_MICROS = {100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000,
      50_000, 100_000, 200_000, 500_000, 1_000_000, 2_000_000, 5_000_000};

  private final AtomicLongArray counts = new AtomicLongArray(BOUNDS_MICROS.length + 1);
  private final LongAdder errors = new LongAdder();

  void record(long nanos, boolean ok) {
    counts.incrementAndGet(bucket(nanos / 1000));
    if (!ok) {
      errors.increment();
    }
  }

  static int bucket(long micros) {
    for (int i = 0; i < BOUNDS_MICROS.length; i++) {
      if (micros <= BOUNDS_MICROS[i]) {
        return i;
      }
    }
    return BOUNDS_MICROS.length;
  }

  /** The counts per bucket, as they are now. */
  long[] counts() {
    long[] out = new long[counts.length()];
    for (int i = 0; i < out.length; i++) {
      out[i] = counts.get(i);
    }
    return out;
  }

  long errors() {
    return errors.sum();
  }

  /**
   * The upper bound (µs) of the bucket holding the {@code q} quantile of {@code counts}; 0 with
   * no samples, -1 when it lies in the open last bucket.
   */
  static long quantileMicros(long[] counts, double q) {
    long total = 0;
    for (long c : counts) {
      total += c;
    }
    if (total == 0) {
      return 0;
    }
    long rank = (long) Math.ceil(q * total);
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= Math.max(1, rank)) {
        return i < BOUNDS_MICROS.length ? BOUNDS_MICROS[i] : -1;
      }
    }
    return -1;
  }
}
