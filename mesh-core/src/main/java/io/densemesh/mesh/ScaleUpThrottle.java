package io.densemesh.mesh;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * At most one scale-up of a model per {@code spacing}: the previous one may not be visible in the
 * registry yet. Remembers a model only until its spacing has passed and only while this node holds
 * a copy of it ({@link #prune}), so it holds at most the models scaled up recently.
 */
final class ScaleUpThrottle {

  private final long spacingMillis;
  private final Map<String, Long> lastScaleUp = new ConcurrentHashMap<>();

  ScaleUpThrottle(long spacingMillis) {
    this.spacingMillis = spacingMillis;
  }

  /** Whether {@code modelId} may scale up at {@code now}; if so, that is recorded. */
  boolean tryAcquire(String modelId, long now) {
    Long last = lastScaleUp.get(modelId);
    if (last != null && now - last < spacingMillis) {
      return false;
    }
    lastScaleUp.put(modelId, now);
    return true;
  }

  /** Forgets models whose spacing has passed or that this node no longer holds. */
  void prune(long now, Set<String> held) {
    lastScaleUp.entrySet().removeIf(e -> now - e.getValue() >= spacingMillis
        || !held.contains(e.getKey()));
  }

  int size() {
    return lastScaleUp.size();
  }
}
