package io.densemesh.placement;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * An eviction policy defined by a retention value per copy: the lowest value goes first.
 *
 * <p>Contract: {@link #retention} must not depend on the current time, so the order of two copies
 * only changes when one of them is used. That lets a node (or the simulator) keep its copies in a
 * sorted index updated on use instead of re-sorting on every load, and still get the same plan as
 * {@link #victims}. Ageing is expressed through {@link ResidentCopy#lastUsedMillis()}, which is how
 * GreedyDual's inflation value works too: a later use is worth more.
 */
public interface RankedEvictionPolicy extends EvictionPolicy {

  /** Higher means keep longer. Independent of the current time (see the class note). */
  double retention(ResidentCopy copy);

  /** Eviction order: lowest retention first, ties broken by model id for determinism. */
  default Comparator<ResidentCopy> evictionOrder() {
    return Comparator.comparingDouble(this::retention).thenComparing(ResidentCopy::modelId);
  }

  @Override
  default EvictionPlan victims(
      Collection<ResidentCopy> resident, long deficitBytes, long nowMillis) {
    if (deficitBytes <= 0) {
      return EvictionPlan.none();
    }
    List<ResidentCopy> ordered = new ArrayList<>(resident);
    ordered.sort(evictionOrder());
    return DeficitCover.cover(ordered, deficitBytes);
  }
}
