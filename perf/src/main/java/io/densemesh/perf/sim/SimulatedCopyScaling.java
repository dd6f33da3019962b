package io.densemesh.perf.sim;

import io.densemesh.placement.CopyPolicy;
import io.densemesh.placement.ModelUsage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Applies the {@link CopyPolicy} at every snapshot refresh: measures each model's request rate
 * (an exponential average over refresh intervals), loads extra copies up to the target and unloads
 * idle extra copies above it; with an idle TTL, also unloads copies idle that long.
 *
 * <p>Only models used since the previous tick or holding more than one copy are examined, so a
 * tick costs the active set, not the catalog. The TTL sweep walks resident copies.
 */
final class SimulatedCopyScaling {

  private final ClusterSimulation sim;
  private final ModelCatalog catalog;
  private final CopyPolicy policy;
  private final double intervalSeconds;
  private final long idleTtlMillis;
  private final int[] usesThisTick;
  private final double[] rate;
  private final long[] lastUse;
  private final boolean[] tracked;
  private int[] active = new int[256];
  private int activeCount;

  SimulatedCopyScaling(ClusterSimulation sim, ModelCatalog catalog, CopyPolicy policy, long intervalMillis,
      long idleTtlMillis) {
    this.sim = sim;
    this.catalog = catalog;
    this.policy = policy;
    this.intervalSeconds = intervalMillis / 1000.0;
    this.idleTtlMillis = idleTtlMillis;
    this.usesThisTick = new int[catalog.size()];
    this.rate = new double[catalog.size()];
    this.lastUse = new long[catalog.size()];
    this.tracked = new boolean[catalog.size()];
  }

  void recordUse(int model, long now) {
    usesThisTick[model]++;
    lastUse[model] = now;
    if (!tracked[model]) {
      tracked[model] = true;
      if (activeCount == active.length) {
        active = Arrays.copyOf(active, active.length * 2);
      }
      active[activeCount++] = model;
    }
  }

  void tick(long now) {
    int kept = 0;
    for (int i = 0; i < activeCount; i++) {
      int model = active[i];
      rate[model] = 0.5 * rate[model] + 0.5 * usesThisTick[model] / intervalSeconds;
      usesThisTick[model] = 0;
      int copies = sim.copyCount(model);
      if (copies > 0) {
        ModelUsage usage = new ModelUsage(catalog.id(model), lastUse[model], rate[model], copies);
        adjust(model, policy.target(catalog.demand(model), usage, now), now);
      }
      if (sim.copyCount(model) > 1 || rate[model] > 0.01) {
        active[kept++] = model;
      } else {
        tracked[model] = false;
        rate[model] = 0;
      }
    }
    activeCount = kept;
    if (idleTtlMillis > 0) {
      sweepIdle(now);
    }
  }

  private void adjust(int model, int target, long now) {
    while (sim.copyCount(model) < target) {
      if (sim.load(model, now, true) == null) {
        return;
      }
    }
    while (sim.copyCount(model) > target) {
      SimulatedCopy idlest = null;
      for (int i = 0; i < sim.copyCount(model); i++) {
        SimulatedCopy c = sim.copy(model, i);
        if (!c.inUse(now) && (idlest == null || c.lastUsedMillis < idlest.lastUsedMillis)) {
          idlest = c;
        }
      }
      if (idlest == null) {
        return;
      }
      sim.unload(idlest);
      sim.countUnload();
    }
  }

  private void sweepIdle(long now) {
    List<SimulatedCopy> idle = new ArrayList<>();
    for (SimNode node : sim.nodes()) {
      for (SimulatedCopy c : node.byRetention) {
        if (now - c.lastUsedMillis >= idleTtlMillis && !c.inUse(now)) {
          idle.add(c);
        }
      }
    }
    for (SimulatedCopy c : idle) {
      if (sim.copyCount(c.model) > catalog.demand(c.model).floorCopies()) {
        sim.unload(c);
        sim.countUnload();
      }
    }
  }
}
