package io.densemesh.perf.sim;

/**
 * The simulated cluster's mechanics, identical for every policy compared.
 *
 * @param nodes serving instances
 * @param capacityBytesPerNode model memory per instance
 * @param loadingSlots loads one instance runs at once; further loads queue for a slot
 * @param refreshMillis how often the cluster snapshot that placement decides from is refreshed;
 *     every decision in between sees the same stale view (the source of herding)
 * @param herdWindowMillis window of the herd-factor measurement
 * @param serviceMillis time a request keeps its copy busy (a busy copy is not evictable)
 */
public record ClusterSpec(
    int nodes,
    long capacityBytesPerNode,
    int loadingSlots,
    long refreshMillis,
    long herdWindowMillis,
    long serviceMillis) {

  public ClusterSpec {
    if (nodes < 1 || capacityBytesPerNode < 1 || loadingSlots < 1 || refreshMillis < 1
        || herdWindowMillis < 1 || serviceMillis < 0) {
      throw new IllegalArgumentException(
          "cluster spec needs nodes, capacity, loading slots, refresh and herd window >= 1 and"
              + " service >= 0: nodes=" + nodes + " capacity=" + capacityBytesPerNode
              + " slots=" + loadingSlots + " refreshMs=" + refreshMillis
              + " herdWindowMs=" + herdWindowMillis + " serviceMs=" + serviceMillis);
    }
  }
}
