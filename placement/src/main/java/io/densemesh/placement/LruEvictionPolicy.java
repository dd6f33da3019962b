package io.densemesh.placement;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * The ModelMesh-like baseline: unload the least recently used evictable copies until the deficit
 * is covered. Ties on last use are broken by model id so the plan is deterministic.
 */
public final class LruEvictionPolicy implements EvictionPolicy {

  private static final Comparator<ResidentCopy> OLDEST_FIRST =
      Comparator.comparingLong(ResidentCopy::lastUsedMillis).thenComparing(ResidentCopy::modelId);

  @Override
  public EvictionPlan victims(Collection<ResidentCopy> resident, long deficitBytes, long nowMillis) {
    if (deficitBytes <= 0) {
      return EvictionPlan.none();
    }
    List<ResidentCopy> candidates = new ArrayList<>();
    for (ResidentCopy copy : resident) {
      if (copy.evictable()) {
        candidates.add(copy);
      }
    }
    candidates.sort(OLDEST_FIRST);
    List<String> victims = new ArrayList<>();
    long freed = 0;
    for (ResidentCopy copy : candidates) {
      if (freed >= deficitBytes) {
        break;
      }
      victims.add(copy.modelId());
      freed += copy.sizeBytes();
    }
    return freed >= deficitBytes ? new EvictionPlan(victims, freed, true) : EvictionPlan.impossible();
  }
}
