package io.densemesh.placement;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The one walk every eviction policy shares: given copies in eviction order, take evictable ones
 * until the deficit is covered, and nothing at all if it cannot be covered.
 *
 * <p>Kept apart from the ordering so that a caller holding copies already sorted by a policy's
 * {@link RankedEvictionPolicy#evictionOrder()} (the simulator keeps a sorted index per node) gets
 * exactly the plan {@link EvictionPolicy#victims} would return, without re-sorting.
 */
public final class DeficitCover {

  private DeficitCover() {}

  /** Takes evictable copies in the given order until {@code deficitBytes} are freed. */
  public static EvictionPlan cover(Iterable<ResidentCopy> inEvictionOrder, long deficitBytes) {
    if (deficitBytes <= 0) {
      return EvictionPlan.none();
    }
    List<String> victims = new ArrayList<>();
    long freed = take(inEvictionOrder, copy -> true, deficitBytes, 0, victims);
    return freed >= deficitBytes
        ? new EvictionPlan(victims, freed, true)
        : EvictionPlan.impossible();
  }

  /**
   * Two passes over the same order: first the copies matching {@code evictFirst} (for example
   * copies of tenants over their quota), then the others. Each pass keeps the given order.
   */
  public static EvictionPlan cover(
      Iterable<ResidentCopy> inEvictionOrder, Predicate<ResidentCopy> evictFirst, long deficitBytes) {
    if (deficitBytes <= 0) {
      return EvictionPlan.none();
    }
    List<String> victims = new ArrayList<>();
    long freed = take(inEvictionOrder, evictFirst, deficitBytes, 0, victims);
    if (freed < deficitBytes) {
      freed = take(inEvictionOrder, evictFirst.negate(), deficitBytes, freed, victims);
    }
    return freed >= deficitBytes
        ? new EvictionPlan(victims, freed, true)
        : EvictionPlan.impossible();
  }

  private static long take(
      Iterable<ResidentCopy> order,
      Predicate<ResidentCopy> include,
      long deficitBytes,
      long freed,
      List<String> victims) {
    for (ResidentCopy copy : order) {
      if (freed >= deficitBytes) {
        break;
      }
      if (copy.evictable() && include.test(copy)) {
        victims.add(copy.modelId());
        freed += copy.sizeBytes();
      }
    }
    return freed;
  }
}
