package io.densemesh.perf.sim;

import java.util.Comparator;

/** One simulated copy of a model on a node. Mutable; owned by the simulation loop. */
final class SimulatedCopy {

  /** The node's eviction index order: the policy's retention, then model id (as its rank). */
  static final Comparator<SimulatedCopy> EVICTION_ORDER =
      (a, b) -> {
        int byRetention = Double.compare(a.retention, b.retention);
        return byRetention != 0 ? byRetention : Integer.compare(a.idRank, b.idRank);
      };

  final int model;
  final int idRank;
  final SimNode node;
  final long readyAtMillis;
  long lastUsedMillis;
  long useCount;
  long busyUntilMillis;
  /** Cached {@code RankedEvictionPolicy.retention}; only changed while out of the node's index. */
  double retention;
  /** Neighbours in the node's last-use list (oldest first), for the snapshot's LRU age. */
  SimulatedCopy olderUse;
  SimulatedCopy newerUse;

  SimulatedCopy(int model, int idRank, SimNode node, long readyAtMillis, long nowMillis) {
    this.model = model;
    this.idRank = idRank;
    this.node = node;
    this.readyAtMillis = readyAtMillis;
    this.lastUsedMillis = nowMillis;
  }

  /** Loading, or serving a request: not evictable. */
  boolean inUse(long nowMillis) {
    return readyAtMillis > nowMillis || busyUntilMillis > nowMillis;
  }
}
