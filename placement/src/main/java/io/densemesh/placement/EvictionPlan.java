package io.densemesh.placement;

import java.util.List;

/**
 * The outcome of an eviction decision.
 *
 * @param victims model ids to unload, in the order they should be unloaded
 * @param bytesFreed total size of the victims
 * @param sufficient whether unloading the victims covers the requested deficit; when false the
 *     victims list is empty: a plan that cannot make room evicts nothing
 */
public record EvictionPlan(List<String> victims, long bytesFreed, boolean sufficient) {

  public EvictionPlan {
    victims = List.copyOf(victims);
  }

  /** Nothing needs to go. */
  public static EvictionPlan none() {
    return new EvictionPlan(List.of(), 0, true);
  }

  /** Room cannot be made without touching copies that must stay. */
  public static EvictionPlan impossible() {
    return new EvictionPlan(List.of(), 0, false);
  }
}
