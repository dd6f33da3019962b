package io.densemesh.placement;

import java.util.Set;

/** Eviction policies by name, the way configuration and the mesh refer to them. */
public final class EvictionPolicies {

  /** Accepted names. */
  public static final Set<String> NAMES = Set.of("lru", "cost-aware");

  private EvictionPolicies() {}

  /** The named policy with default settings: "lru" or "cost-aware". */
  public static EvictionPolicy byName(String name) {
    return ranked(name, CostAwareEvictionPolicy.DEFAULT_HALF_LIFE_MILLIS);
  }

  /** The named policy, as its ranked form, with the given cost-aware half-life. */
  public static RankedEvictionPolicy ranked(String name, long costHalfLifeMillis) {
    if (name == null) {
      throw new IllegalArgumentException("eviction policy name is required, one of " + NAMES);
    }
    switch (name) {
      case "lru":
        return new LruEvictionPolicy();
      case "cost-aware":
        return new CostAwareEvictionPolicy(costHalfLifeMillis);
      default:
        throw new IllegalArgumentException(
            "unknown eviction policy '" + name + "', expected one of " + NAMES);
    }
  }
}
