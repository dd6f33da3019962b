package io.densemesh.perf.sim;

/**
 * A request trace: request {@code i} arrives at {@code timeMillis[i]} (non-decreasing, simulated
 * clock) for model {@code model[i]} of the catalog. Immutable by convention: every policy replays
 * the same arrays.
 */
public record Trace(ModelCatalog catalog, long[] timeMillis, int[] model) {

  public Trace {
    if (timeMillis.length != model.length) {
      throw new IllegalArgumentException("times and models differ in length");
    }
    for (int i = 1; i < timeMillis.length; i++) {
      if (timeMillis[i] < timeMillis[i - 1]) {
        throw new IllegalArgumentException("trace times must not decrease (request " + i + ")");
      }
    }
  }

  public int length() {
    return model.length;
  }

  public long durationMillis() {
    return timeMillis.length == 0 ? 0 : timeMillis[timeMillis.length - 1] - timeMillis[0];
  }
}
