package io.densemesh.auth;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Per-tenant limits, part of the live placement settings (the registry's {@code config/} keys):
 * a default for every tenant and overrides for named tenants.
 *
 * <table>
 *   <caption>settings</caption>
 *   <tr><td>{@code tenantRequestsPerSecond}</td><td>requests a tenant may make per second on
 *       one node (0: no limit)</td></tr>
 *   <tr><td>{@code tenantRequestBurst}</td><td>requests allowed at once above the rate (0: one
 *       second's worth)</td></tr>
 *   <tr><td>{@code tenantMaxModels}</td><td>models a tenant may have registered (0: no
 *       limit)</td></tr>
 *   <tr><td>{@code tenant.<name>.requestsPerSecond}, {@code .requestBurst}, {@code .maxModels},
 *       {@code .quotaFraction}</td><td>the same for one tenant; {@code quotaFraction} overrides
 *       {@code tenantQuotaFraction}, the share of a node's memory the tenant's resident models
 *       may hold before its own go first</td></tr>
 * </table>
 *
 * @param defaults limits of a tenant without overrides
 * @param perTenant overrides by tenant (only the fields set differ from the defaults)
 * @param quotaFractions resident-bytes shares by tenant
 */
public record TenantLimits(Limits defaults, Map<String, Limits> perTenant,
    Map<String, Double> quotaFractions) {

  public static final String RATE = "tenantRequestsPerSecond";
  public static final String BURST = "tenantRequestBurst";
  public static final String MAX_MODELS = "tenantMaxModels";
  private static final String PREFIX = "tenant.";
  private static final List<String> PER_TENANT = List.of("requestsPerSecond", "requestBurst",
      "maxModels", "quotaFraction");

  /**
   * One tenant's limits.
   *
   * @param requestsPerSecond sustained request rate on one node; 0 for none
   * @param burst requests allowed at once; 0 for one second's worth
   * @param maxModels models registered; 0 for no limit
   */
  public record Limits(double requestsPerSecond, long burst, int maxModels) {

    public Limits {
      if (!(requestsPerSecond >= 0) || Double.isInfinite(requestsPerSecond)) {
        throw new IllegalArgumentException("requests per second must be a number >= 0");
      }
      if (burst < 0 || maxModels < 0) {
        throw new IllegalArgumentException("burst and max models must be >= 0");
      }
    }

    /** The bucket size: the burst, else one second's worth (at least one request). */
    public long capacity() {
      return burst > 0 ? burst : Math.max(1, (long) Math.ceil(requestsPerSecond));
    }
  }

  public TenantLimits {
    perTenant = Map.copyOf(perTenant);
    quotaFractions = Map.copyOf(quotaFractions);
  }

  public static TenantLimits none() {
    return new TenantLimits(new Limits(0, 0, 0), Map.of(), Map.of());
  }

  /** Whether a setting's key is one of these limits. */
  public static boolean owns(String key) {
    return key.equals(RATE) || key.equals(BURST) || key.equals(MAX_MODELS)
        || key.startsWith(PREFIX);
  }

  public Limits of(String tenant) {
    Limits own = perTenant.get(tenant);
    return own == null ? defaults : own;
  }

  /**
   * Reads the keys this record {@link #owns} from a settings map (others are ignored).
   *
   * @throws IllegalArgumentException naming the key that does not parse
   */
  public static TenantLimits parse(Map<String, String> settings) {
    Limits defaults = new Limits(
        number(settings, RATE, 0),
        (long) number(settings, BURST, 0),
        (int) number(settings, MAX_MODELS, 0));
    Map<String, Map<String, String>> byTenant = new HashMap<>();
    settings.forEach((key, value) -> {
      if (!key.startsWith(PREFIX)) {
        return;
      }
      int dot = key.lastIndexOf('.');
      String tenant = dot > PREFIX.length() ? key.substring(PREFIX.length(), dot) : "";
      String field = key.substring(dot + 1);
      if (tenant.isEmpty() || !PER_TENANT.contains(field)) {
        throw new IllegalArgumentException("unknown tenant setting '" + key
            + "', expected tenant.<name>.<one of " + PER_TENANT + ">");
      }
      byTenant.computeIfAbsent(tenant, t -> new HashMap<>()).put(field, value);
    });
    Map<String, Limits> perTenant = new HashMap<>();
    Map<String, Double> fractions = new HashMap<>();
    byTenant.forEach((tenant, fields) -> {
      String prefix = PREFIX + tenant + ".";
      Map<String, String> named = new HashMap<>();
      fields.forEach((field, value) -> named.put(prefix + field, value));
      perTenant.put(tenant, new Limits(
          number(named, prefix + "requestsPerSecond", defaults.requestsPerSecond()),
          (long) number(named, prefix + "requestBurst", defaults.burst()),
          (int) number(named, prefix + "maxModels", defaults.maxModels())));
      OptionalDouble fraction = optional(named, prefix + "quotaFraction");
      if (fraction.isPresent()) {
        double f = fraction.getAsDouble();
        if (!(f > 0 && f <= 1)) {
          throw new IllegalArgumentException(prefix + "quotaFraction must be in (0, 1]: " + f);
        }
        fractions.put(tenant, f);
      }
    });
    return new TenantLimits(defaults, perTenant, fractions);
  }

  private static double number(Map<String, String> settings, String key, double otherwise) {
    OptionalDouble value = optional(settings, key);
    if (value.isEmpty()) {
      return otherwise;
    }
    double v = value.getAsDouble();
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(key + " must be a number >= 0: " + settings.get(key));
    }
    if (!key.endsWith("requestsPerSecond") && !key.equals(RATE) && v != Math.floor(v)) {
      throw new IllegalArgumentException(key + " must be a whole number: " + settings.get(key));
    }
    return v;
  }

  private static OptionalDouble optional(Map<String, String> settings, String key) {
    String text = settings.get(key);
    if (text == null) {
      return OptionalDouble.empty();
    }
    try {
      return OptionalDouble.of(Double.parseDouble(text.trim()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a number: '" + text + "'");
    }
  }
}
