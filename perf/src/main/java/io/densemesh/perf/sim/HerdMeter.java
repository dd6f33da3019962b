package io.densemesh.perf.sim;

/**
 * Herd factor: in each window of simulated time that saw loads, the most loads on one node divided
 * by the mean loads per node; windows are weighted by their loads (sum of maxima over sum of
 * means). 1.0 is a perfect spread; the node count is the worst (every load on one node).
 */
final class HerdMeter {

  private final long windowMillis;
  private final int[] loads;
  private final long[] totals;
  private long window = Long.MIN_VALUE;
  private double sumMax;
  private double sumMean;

  HerdMeter(int nodes, long windowMillis) {
    this.windowMillis = windowMillis;
    this.loads = new int[nodes];
    this.totals = new long[nodes];
  }

  void recordLoad(int node, long nowMillis) {
    long w = Math.floorDiv(nowMillis, windowMillis);
    if (w != window) {
      closeWindow();
      window = w;
    }
    loads[node]++;
    totals[node]++;
  }

  /** Over the whole run: the busiest node's loads divided by the mean per node. */
  double overallImbalance() {
    long max = 0;
    long sum = 0;
    for (long t : totals) {
      max = Math.max(max, t);
      sum += t;
    }
    return sum == 0 ? 1.0 : (double) max * totals.length / sum;
  }

  double factor() {
    closeWindow();
    return sumMean == 0 ? 1.0 : sumMax / sumMean;
  }

  private void closeWindow() {
    int max = 0;
    int total = 0;
    for (int i = 0; i < loads.length; i++) {
      max = Math.max(max, loads[i]);
      total += loads[i];
      loads[i] = 0;
    }
    if (total > 0) {
      sumMax += max;
      sumMean += (double) total / loads.length;
    }
  }
}
