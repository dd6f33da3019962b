package io.densemesh.mesh;

import io.densemesh.api.registry.InstanceRecord;

/**
 * Which changes of this node's instance record are worth an etcd write now. Every write is seen
 * by every node's watch, so the soft signals that move with traffic (requests in flight, the age
 * of the least recently used copy) are published when they moved enough to change a placement
 * or routing choice; any other field (capacity, usage, loads, draining, labels...) is meaningful
 * on any change. Small drifts still reach the registry with the periodic refresh.
 */
final class InstanceChanges {

  /** In-flight requests: a change is meaningful from this many requests and this fraction. */
  static final int IN_FLIGHT_STEP = 4;
  static final double IN_FLIGHT_FRACTION = 0.5;
  /** Oldest use moves placement's LRU choice only when it moves by this much. */
  static final long OLDEST_USE_STEP_MILLIS = 30_000;

  private InstanceChanges() {}

  static boolean meaningful(InstanceRecord before, InstanceRecord after) {
    if (before == null) {
      return true;
    }
    InstanceRecord hard = after.toBuilder().setInFlight(before.getInFlight())
        .setOldestUse(before.getOldestUse()).build();
    if (!hard.equals(before)) {
      return true;
    }
    int was = before.getInFlight();
    int delta = Math.abs(after.getInFlight() - was);
    boolean inFlight = delta >= IN_FLIGHT_STEP && delta >= was * IN_FLIGHT_FRACTION;
    boolean oldest = (before.getOldestUse() == 0) != (after.getOldestUse() == 0)
        || Math.abs(after.getOldestUse() - before.getOldestUse()) >= OLDEST_USE_STEP_MILLIS;
    return inFlight || oldest;
  }
}
