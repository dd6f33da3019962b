package io.densemesh.placement;

import java.util.Set;

/** Placement policies by name. */
public final class PlacementPolicies {

  /** Accepted names. */
  public static final Set<String> NAMES = Set.of("global-order", "p2c");

  private PlacementPolicies() {}

  /** "global-order" (ModelMesh-like, herds) or "p2c" (power of two choices). */
  public static PlacementPolicy byName(String name) {
    if ("global-order".equals(name)) {
      return new GlobalOrderPlacement();
    }
    if ("p2c".equals(name)) {
      return new PowerOfTwoChoicesPlacement();
    }
    throw new IllegalArgumentException(
        "unknown placement policy '" + name + "', expected one of " + NAMES);
  }
}
