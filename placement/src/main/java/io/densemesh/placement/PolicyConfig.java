package io.densemesh.placement;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one record that configures placement, eviction and copies; parsed and validated once, and
 * later pushed live by the operator (a new record replaces the old one as a whole).
 *
 * @param eviction eviction policy name, see {@link EvictionPolicies#NAMES}
 * @param placement placement policy name, see {@link PlacementPolicies#NAMES}
 * @param copies copy policy name, see {@link CopyPolicies#NAMES}
 * @param costHalfLifeMillis half-life of an idle copy's worth for the cost-aware eviction
 * @param secondCopyRatePerSecond rate at which the fixed copy policy adds a second copy
 * @param perCopyRatePerSecond rate one copy serves, for the rate copy policy
 * @param idleTtlMillis unload copies above the model's floor after this long idle; 0 disables
 * @param tenantQuotaFraction share of an instance one tenant may hold before its own copies are
 *     evicted first; 1.0 disables quotas
 */
public record PolicyConfig(
    String eviction,
    String placement,
    String copies,
    long costHalfLifeMillis,
    double secondCopyRatePerSecond,
    double perCopyRatePerSecond,
    long idleTtlMillis,
    double tenantQuotaFraction) {

  /** Keys accepted by {@link #fromMap}. */
  public static final List<String> KEYS =
      List.of(
          "eviction",
          "placement",
          "copies",
          "costHalfLifeMillis",
          "secondCopyRatePerSecond",
          "perCopyRatePerSecond",
          "idleTtlMillis",
          "tenantQuotaFraction");

  public PolicyConfig {
    requireOneOf("eviction", eviction, EvictionPolicies.NAMES);
    requireOneOf("placement", placement, PlacementPolicies.NAMES);
    requireOneOf("copies", copies, CopyPolicies.NAMES);
    if (costHalfLifeMillis <= 0) {
      throw new IllegalArgumentException("costHalfLifeMillis must be > 0: " + costHalfLifeMillis);
    }
    if (!(secondCopyRatePerSecond > 0)) {
      throw new IllegalArgumentException(
          "secondCopyRatePerSecond must be > 0: " + secondCopyRatePerSecond);
    }
    if (!(perCopyRatePerSecond > 0)) {
      throw new IllegalArgumentException("perCopyRatePerSecond must be > 0: " + perCopyRatePerSecond);
    }
    if (idleTtlMillis < 0) {
      throw new IllegalArgumentException("idleTtlMillis must be >= 0 (0 disables): " + idleTtlMillis);
    }
    if (!(tenantQuotaFraction > 0 && tenantQuotaFraction <= 1.0)) {
      throw new IllegalArgumentException(
          "tenantQuotaFraction must be in (0, 1] (1 disables): " + tenantQuotaFraction);
    }
  }

  /** The ModelMesh-like baseline: LRU, one global placement order, fixed 1 to 2 copies. */
  public static PolicyConfig lruBaseline() {
    return new PolicyConfig("lru", "global-order", "fixed", CostAwareEvictionPolicy.DEFAULT_HALF_LIFE_MILLIS,
        20, 50, 0, 1.0);
  }

  /** The recommended policy: cost-aware eviction, power-of-two placement, rate-based copies. */
  public static PolicyConfig recommended() {
    return new PolicyConfig("cost-aware", "p2c", "rate", CostAwareEvictionPolicy.DEFAULT_HALF_LIFE_MILLIS,
        20, 50, 0, 1.0);
  }

  /**
   * Builds a config from string settings over {@code base}: unknown keys and unparsable values are
   * rejected with a message naming the key.
   */
  public static PolicyConfig fromMap(Map<String, String> settings, PolicyConfig base) {
    Map<String, String> s = new LinkedHashMap<>(settings);
    for (String key : s.keySet()) {
      if (!KEYS.contains(key)) {
        throw new IllegalArgumentException("unknown policy setting '" + key + "', expected one of " + KEYS);
      }
    }
    return new PolicyConfig(
        s.getOrDefault("eviction", base.eviction()),
        s.getOrDefault("placement", base.placement()),
        s.getOrDefault("copies", base.copies()),
        parseLong(s, "costHalfLifeMillis", base.costHalfLifeMillis()),
        parseDouble(s, "secondCopyRatePerSecond", base.secondCopyRatePerSecond()),
        parseDouble(s, "perCopyRatePerSecond", base.perCopyRatePerSecond()),
        parseLong(s, "idleTtlMillis", base.idleTtlMillis()),
        parseDouble(s, "tenantQuotaFraction", base.tenantQuotaFraction()));
  }

  public PolicyConfig withEviction(String name) {
    return new PolicyConfig(name, placement, copies, costHalfLifeMillis, secondCopyRatePerSecond,
        perCopyRatePerSecond, idleTtlMillis, tenantQuotaFraction);
  }

  public PolicyConfig withPlacement(String name) {
    return new PolicyConfig(eviction, name, copies, costHalfLifeMillis, secondCopyRatePerSecond,
        perCopyRatePerSecond, idleTtlMillis, tenantQuotaFraction);
  }

  public PolicyConfig withCopies(String name) {
    return new PolicyConfig(eviction, placement, name, costHalfLifeMillis, secondCopyRatePerSecond,
        perCopyRatePerSecond, idleTtlMillis, tenantQuotaFraction);
  }

  public PolicyConfig withIdleTtlMillis(long ttl) {
    return new PolicyConfig(eviction, placement, copies, costHalfLifeMillis, secondCopyRatePerSecond,
        perCopyRatePerSecond, ttl, tenantQuotaFraction);
  }

  public PolicyConfig withTenantQuotaFraction(double fraction) {
    return new PolicyConfig(eviction, placement, copies, costHalfLifeMillis, secondCopyRatePerSecond,
        perCopyRatePerSecond, idleTtlMillis, fraction);
  }

  private static void requireOneOf(String key, String value, Set<String> allowed) {
    if (value == null || !allowed.contains(value)) {
      throw new IllegalArgumentException(key + " must be one of " + allowed + ": " + value);
    }
  }

  private static long parseLong(Map<String, String> s, String key, long fallback) {
    String v = s.get(key);
    if (v == null) {
      return fallback;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be an integer: '" + v + "'", e);
    }
  }

  private static double parseDouble(Map<String, String> s, String key, double fallback) {
    String v = s.get(key);
    if (v == null) {
      return fallback;
    }
    try {
      return Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a number: '" + v + "'", e);
    }
  }
}
