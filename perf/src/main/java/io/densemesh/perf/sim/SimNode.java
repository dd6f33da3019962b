package io.densemesh.perf.sim;

import io.densemesh.placement.InstanceView;
import java.util.Map;
import java.util.TreeSet;

/**
 * One simulated serving instance: memory accounting, loading slots, and its resident copies kept
 * sorted in the eviction policy's order so an eviction walks only the few copies it takes.
 */
final class SimNode {

  final int index;
  final String id;
  final long capacityBytes;
  final long[] tenantBytes;
  final TreeSet<SimulatedCopy> byRetention = new TreeSet<>(SimulatedCopy.EVICTION_ORDER);
  private final long[] slotFreeAtMillis;
  long usedBytes;
  private SimulatedCopy oldestUse;
  private SimulatedCopy newestUse;

  SimNode(int index, long capacityBytes, int loadingSlots, int tenants) {
    this.index = index;
    this.id = "node-" + index;
    this.capacityBytes = capacityBytes;
    this.slotFreeAtMillis = new long[loadingSlots];
    this.tenantBytes = new long[tenants];
  }

  /** Queues a load on the earliest free slot; returns when the copy is ready. */
  long startLoad(long nowMillis, long loadMillis) {
    int best = 0;
    for (int s = 1; s < slotFreeAtMillis.length; s++) {
      if (slotFreeAtMillis[s] < slotFreeAtMillis[best]) {
        best = s;
      }
    }
    long start = Math.max(nowMillis, slotFreeAtMillis[best]);
    slotFreeAtMillis[best] = start + loadMillis;
    return start + loadMillis;
  }

  int loadsInProgress(long nowMillis) {
    int n = 0;
    for (long freeAt : slotFreeAtMillis) {
      if (freeAt > nowMillis) {
        n++;
      }
    }
    return n;
  }

  /** Adds a copy, or moves it, to the newest end of the last-use list. O(1). */
  void touched(SimulatedCopy c) {
    if (c == newestUse) {
      return;
    }
    if (c.olderUse != null || c.newerUse != null || c == oldestUse) {
      unlinkUse(c);
    }
    c.olderUse = newestUse;
    c.newerUse = null;
    if (newestUse != null) {
      newestUse.newerUse = c;
    }
    newestUse = c;
    if (oldestUse == null) {
      oldestUse = c;
    }
  }

  void unlinkUse(SimulatedCopy c) {
    if (c.olderUse != null) {
      c.olderUse.newerUse = c.newerUse;
    } else {
      oldestUse = c.newerUse;
    }
    if (c.newerUse != null) {
      c.newerUse.olderUse = c.olderUse;
    } else {
      newestUse = c.olderUse;
    }
    c.olderUse = null;
    c.newerUse = null;
  }

  /** What this node reports to the cluster snapshot. */
  InstanceView view(long nowMillis) {
    long oldest = oldestUse == null ? Long.MAX_VALUE : oldestUse.lastUsedMillis;
    return new InstanceView(id, "", Map.of(), capacityBytes, usedBytes, 0, 0,
        slotFreeAtMillis.length, loadsInProgress(nowMillis), false, 0, oldest);
  }
}
