package io.densemesh.placement;

import java.util.Set;

/** Placement policies by name. */
public final class PlacementPolicies {

  /** Accepted names. */
  public static final Set<String> NAMES = Set.of("global-order", "p2c", "p2c-pending");

  private PlacementPolicies() {}

  /**
   * "global-order" (ModelMesh-like, herds), "p2c" (power of two choices) or "p2c-pending" (power of
   * two choices over the view corrected by the decider's own pending placements).
   */
  public static PlacementPolicy byName(String name) {
    if ("global-order".equals(name)) {
      return new GlobalOrderPlacement();
    }
    if ("p2c".equals(name)) {
      return new PowerOfTwoChoicesPlacement();
    }
    if ("p2c-pending".equals(name)) {
      return new PendingAwarePlacement();
    }
    throw new IllegalArgumentException(
        "unknown placement policy '" + name + "', expected one of " + NAMES);
  }
}
