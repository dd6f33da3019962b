package io.densemesh.placement;

import java.util.Set;

/** Copy policies by name, built from the settings in a {@link PolicyConfig}. */
public final class CopyPolicies {

  /** Accepted names. */
  public static final Set<String> NAMES = Set.of("fixed", "rate");

  private CopyPolicies() {}

  public static CopyPolicy from(PolicyConfig config) {
    if ("fixed".equals(config.copies())) {
      return new FixedCopyPolicy(config.secondCopyRatePerSecond(), config.idleTtlMillis());
    }
    if ("rate".equals(config.copies())) {
      return new RateCopyPolicy(config.perCopyRatePerSecond(), config.idleTtlMillis());
    }
    throw new IllegalArgumentException(
        "unknown copy policy '" + config.copies() + "', expected one of " + NAMES);
  }
}
