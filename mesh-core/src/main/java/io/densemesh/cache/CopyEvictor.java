package io.densemesh.cache;

import io.densemesh.placement.EvictionPlan;
import io.densemesh.placement.EvictionPolicy;
import io.densemesh.placement.ResidentCopy;
import io.densemesh.runtime.LoadedModel;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Chooses which resident copies make room for a load and retires them. The candidates are the
 * loaded copies not yet retired (for a GPU deficit, only those holding GPU memory), each described
 * by its charged size, last use, leases, protection, uses and load time; a host deficit is decided
 * by the {@link VictimPlanner} (the eviction policy unless one is set), a GPU deficit by the
 * eviction policy. A victim is retired only if no request holds it (else it stays, and the
 * accountant plans again).
 */
final class CopyEvictor {

  private final Map<String, CacheEntry> entries;
  private final Clock clock;
  private volatile EvictionPolicy eviction;
  private volatile VictimPlanner planner;
  private volatile Predicate<String> protectedCopy = id -> false;

  CopyEvictor(Map<String, CacheEntry> entries, EvictionPolicy eviction, Clock clock) {
    this.entries = entries;
    this.eviction = eviction;
    this.clock = clock;
    setVictimPlanner(null);
  }

  /** Swaps the eviction policy; the next plan uses it. */
  void setEvictionPolicy(EvictionPolicy policy) {
    this.eviction = policy;
  }

  /** Replaces how host-memory victims are chosen; null restores the eviction policy alone. */
  void setVictimPlanner(VictimPlanner planner) {
    this.planner = planner != null ? planner
        : (resident, deficit, now, incoming, bytes) -> eviction.victims(resident, deficit, now);
  }

  /** Marks copies eviction must keep. */
  void setProtection(Predicate<String> isProtected) {
    this.protectedCopy = isProtected;
  }

  /** Room-making for one load of {@code incomingModelId}; collects what it retired. */
  Round forLoad(String incomingModelId) {
    return new Round(incomingModelId);
  }

  /** One reservation's eviction: plans, retires, and remembers the retired copies to close. */
  final class Round implements MemoryAccountant.Evictor {

    private final String incomingModelId;
    private final Map<String, CacheEntry> planned = new HashMap<>();
    private final List<CacheEntry> retired = new ArrayList<>();

    private Round(String incomingModelId) {
      this.incomingModelId = incomingModelId;
    }

    @Override
    public EvictionPlan plan(boolean gpu, long deficitBytes, long incomingBytes) {
      planned.clear();
      List<ResidentCopy> resident = new ArrayList<>();
      for (CacheEntry e : entries.values()) {
        LoadedModel m = e.loadedOrNull();
        long size = gpu ? e.charge.gpuBytes() : e.charge.bytes();
        if (m != null && !e.retired() && (!gpu || size > 0)) {
          resident.add(new ResidentCopy(e.modelId(), size, e.lastUsedMillis(), e.users(),
              protectedCopy.test(e.modelId()), e.uses(), m.loadMillis()));
          planned.put(e.modelId(), e);
        }
      }
      return gpu
          ? eviction.victims(resident, deficitBytes, clock.millis())
          : planner.plan(resident, deficitBytes, clock.millis(), incomingModelId, incomingBytes);
    }

    @Override
    public List<MemoryAccountant.Charge> retire(EvictionPlan plan) {
      List<MemoryAccountant.Charge> freed = new ArrayList<>();
      for (String id : plan.victims()) {
        CacheEntry victim = planned.get(id);
        if (victim != null && victim.tryRetire()) { // else a request took it meanwhile
          entries.remove(id, victim);
          retired.add(victim);
          freed.add(victim.charge);
        }
      }
      return freed;
    }

    /** The copies retired so far, to be closed once the accountant's lock is released. */
    List<CacheEntry> retired() {
      return retired;
    }
  }
}
