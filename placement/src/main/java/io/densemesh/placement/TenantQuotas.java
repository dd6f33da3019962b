package io.densemesh.placement;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Per-tenant share of an instance's memory, so that one tenant loading many cold models evicts its
 * own copies before everyone else's.
 *
 * <p>The quota is soft: it never blocks a load (a model bigger than its tenant's share still
 * loads), it only decides whose copies go first. Enforced per instance, which bounds a tenant's
 * cluster-wide share by the same fraction.
 *
 * @param defaultFraction share of an instance any tenant may hold; 1.0 disables quotas
 * @param perTenant overrides by tenant
 */
public record TenantQuotas(double defaultFraction, Map<String, Double> perTenant) {

  public TenantQuotas {
    perTenant = Map.copyOf(perTenant);
    requireFraction("default", defaultFraction);
    perTenant.forEach((tenant, fraction) -> requireFraction(tenant, fraction));
  }

  public static TenantQuotas none() {
    return new TenantQuotas(1.0, Map.of());
  }

  public boolean enabled() {
    return defaultFraction < 1.0 || perTenant.values().stream().anyMatch(f -> f < 1.0);
  }

  public long quotaBytes(String tenant, long capacityBytes) {
    return (long) (capacityBytes * perTenant.getOrDefault(tenant, defaultFraction));
  }

  /**
   * Tenants whose resident bytes exceed their quota, counting the incoming copy for its tenant.
   */
  public Set<String> overQuota(
      Map<String, Long> residentBytesByTenant,
      String incomingTenant,
      long incomingBytes,
      long capacityBytes) {
    Set<String> over = new HashSet<>();
    residentBytesByTenant.forEach(
        (tenant, bytes) -> {
          long withIncoming = tenant.equals(incomingTenant) ? bytes + incomingBytes : bytes;
          if (withIncoming > quotaBytes(tenant, capacityBytes)) {
            over.add(tenant);
          }
        });
    if (!residentBytesByTenant.containsKey(incomingTenant)
        && incomingBytes > quotaBytes(incomingTenant, capacityBytes)) {
      over.add(incomingTenant);
    }
    return over;
  }

  private static void requireFraction(String who, double fraction) {
    if (!(fraction > 0 && fraction <= 1.0)) {
      throw new IllegalArgumentException(
          "tenant quota fraction for " + who + " must be in (0, 1]: " + fraction);
    }
  }
}
