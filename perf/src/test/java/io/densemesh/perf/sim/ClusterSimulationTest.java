package io.densemesh.perf.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.densemesh.placement.PolicySet;
import org.junit.jupiter.api.Test;

class ClusterSimulationTest {

  private static final TraceParams SMALL = new TraceParams(400, 40_000, 10, 0.9, 4, 0.10, 11);

  private static SimReport run(Scenario scenario, TraceParams params, String policy) {
    Trace trace = SyntheticTraces.generate(scenario, params);
    ClusterSpec spec = spec(trace, params);
    return new ClusterSimulation(trace, spec, policy, PolicySet.from(PolicyPresets.byName(policy)),
        params.seed()).withSelfCheck().run();
  }

  private static ClusterSpec spec(Trace trace, TraceParams params) {
    long perNode = (long) (params.capacityFraction() * trace.catalog().totalBytes() / params.nodes());
    return new ClusterSpec(params.nodes(), perNode, 4, 2_000, 1_000, 20);
  }

  @Test
  void indexedEvictionMatchesThePolicyAndCapacityIsNeverExceeded() {
    // withSelfCheck throws on any mismatch or over-capacity node.
    for (String policy : new String[] {"lru", "lru-p2c", "lru-p2c-pending", "cost-aware", "cost-aware-global",
        "cost-aware-pending", "cost-aware-ttl"}) {
      SimReport report = run(Scenario.ZIPF, SMALL, policy);
      assertThat(report.evictions()).as(policy).isPositive();
    }
    assertThat(run(Scenario.NOISY_TENANT, SMALL, "cost-aware-quota").evictions()).isPositive();
  }

  @Test
  void everyRequestIsAHitAJoinedLoadANewLoadOrAFailure() {
    SimReport r = run(Scenario.ZIPF, SMALL, "cost-aware");

    assertThat(r.requests()).isEqualTo(40_000);
    assertThat(r.hits() + r.joinedLoads() + (r.loads() - r.copyLoads()) + r.failed())
        .isEqualTo(r.requests());
    assertThat(r.hitRatio()).isBetween(0.05, 0.95);
    assertThat(r.totalWaitMillis()).isPositive();
  }

  @Test
  void sameSeedSameReportDifferentSeedDifferentReport() {
    SimReport a = run(Scenario.BURSTS, SMALL, "cost-aware");
    SimReport b = run(Scenario.BURSTS, SMALL, "cost-aware");
    TraceParams otherSeed = new TraceParams(400, 40_000, 10, 0.9, 4, 0.10, 12);

    assertThat(b).isEqualTo(a);
    assertThat(run(Scenario.BURSTS, otherSeed, "cost-aware")).isNotEqualTo(a);
  }

  @Test
  void bigModelEvictsOnlyItsDeficit() {
    for (String policy : new String[] {"lru", "cost-aware"}) {
      SimReport r = run(Scenario.BIG_MODEL, SMALL, policy);
      assertThat(r.bigModelDeficitBytes()).as(policy).isPositive();
      assertThat(r.bigModelEvictedBytes()).as(policy).isGreaterThanOrEqualTo(r.bigModelDeficitBytes());
      // Overshoot is below one model: the largest synthetic model is 2 GiB.
      assertThat(r.bigModelEvictedBytes() - r.bigModelDeficitBytes()).as(policy)
          .isLessThan(2048L << 20);
    }
  }

  @Test
  void powerOfTwoHerdsLessThanTheGlobalOrder() {
    double global = run(Scenario.ZIPF, SMALL, "lru").herdFactor();
    double p2c = run(Scenario.ZIPF, SMALL, "lru-p2c").herdFactor();

    assertThat(global).isGreaterThan(3.0);
    assertThat(p2c).isLessThan(global * 0.8);
  }

  @Test
  void pendingAwarePlacementHerdsLessThanPowerOfTwoAndLeavesItUnchanged() {
    SimReport p2c = run(Scenario.ZIPF, SMALL, "lru-p2c");
    SimReport pending = run(Scenario.ZIPF, SMALL, "lru-p2c-pending");

    assertThat(pending.herdFactor()).isLessThan(p2c.herdFactor());
    // The decider draw uses its own random stream: p2c's decisions are not perturbed by it.
    assertThat(run(Scenario.ZIPF, SMALL, "lru-p2c")).isEqualTo(p2c);
  }
}
