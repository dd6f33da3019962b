package io.densemesh.perf.sim;

/**
 * What one policy did on one trace. Deterministic for a given trace, cluster and seed (wall time is
 * kept out of it on purpose).
 *
 * @param policy preset name
 * @param requests requests replayed
 * @param hits requests served by a ready copy without waiting
 * @param joinedLoads requests that waited for a copy already loading
 * @param failed requests that found no instance able to make room
 * @param loads copies loaded (on demand and by the copy policy)
 * @param copyLoads of {@code loads}, extra copies the copy policy asked for
 * @param bytesLoaded bytes of all loads
 * @param evictions copies evicted to make room
 * @param bytesEvicted bytes of those evictions
 * @param unloads copies unloaded by the copy policy or the idle TTL
 * @param totalWaitMillis sum over requests of the time waited for a load
 * @param p99WaitMillis 99th percentile of that wait over all requests
 * @param herdFactor see {@link HerdMeter}
 * @param loadImbalance over the whole run, the busiest node's loads over the mean per node
 * @param bigModelDeficitBytes for the big-model scenario: bytes missing when it first loaded
 * @param bigModelEvictedBytes bytes evicted to load it
 * @param bigModelVictims copies evicted to load it
 */
public record SimReport(
    String policy,
    long requests,
    long hits,
    long joinedLoads,
    long failed,
    long loads,
    long copyLoads,
    long bytesLoaded,
    long evictions,
    long bytesEvicted,
    long unloads,
    long totalWaitMillis,
    long p99WaitMillis,
    double herdFactor,
    double loadImbalance,
    long bigModelDeficitBytes,
    long bigModelEvictedBytes,
    int bigModelVictims) {

  public double hitRatio() {
    return requests == 0 ? 0 : (double) hits / requests;
  }
}
