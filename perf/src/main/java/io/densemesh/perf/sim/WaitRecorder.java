package io.densemesh.perf.sim;

import java.util.Arrays;

/**
 * Records how long each request waited for a load. Most requests wait zero, so only non-zero waits
 * are stored; percentiles are exact over all requests.
 */
final class WaitRecorder {

  private long requests;
  private long totalMillis;
  private long[] nonZero = new long[1024];
  private int nonZeroCount;

  void record(long waitMillis) {
    requests++;
    if (waitMillis <= 0) {
      return;
    }
    totalMillis += waitMillis;
    if (nonZeroCount == nonZero.length) {
      nonZero = Arrays.copyOf(nonZero, nonZero.length * 2);
    }
    nonZero[nonZeroCount++] = waitMillis;
  }

  long totalMillis() {
    return totalMillis;
  }

  long waitedRequests() {
    return nonZeroCount;
  }

  /** The wait at quantile {@code q} over all requests (nearest-rank), zero when none waited. */
  long quantile(double q) {
    if (requests == 0) {
      return 0;
    }
    long rank = (long) Math.ceil(q * requests);
    long zeros = requests - nonZeroCount;
    if (rank <= zeros) {
      return 0;
    }
    long[] sorted = Arrays.copyOf(nonZero, nonZeroCount);
    Arrays.sort(sorted);
    return sorted[(int) (rank - zeros - 1)];
  }
}
