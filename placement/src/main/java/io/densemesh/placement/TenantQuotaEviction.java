package io.densemesh.placement;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Eviction with per-tenant quotas: copies of tenants over their quota (the incoming tenant counted
 * with its new copy) go first, in the base policy's order; only then everyone else's. Still evicts
 * only the deficit and never a copy that is not evictable.
 */
public final class TenantQuotaEviction {

  private final RankedEvictionPolicy base;
  private final TenantQuotas quotas;

  public TenantQuotaEviction(RankedEvictionPolicy base, TenantQuotas quotas) {
    this.base = base;
    this.quotas = quotas;
  }

  /**
   * @param resident copies on the instance
   * @param tenantOf tenant of each resident model id (missing ids count as tenant "")
   * @param incoming the model about to load
   * @param capacityBytes the instance's memory
   * @param deficitBytes bytes to free
   * @param nowMillis the caller's clock
   */
  public EvictionPlan victims(
      Collection<ResidentCopy> resident,
      Map<String, String> tenantOf,
      ModelDemand incoming,
      long capacityBytes,
      long deficitBytes,
      long nowMillis) {
    if (!quotas.enabled()) {
      return base.victims(resident, deficitBytes, nowMillis);
    }
    Map<String, Long> bytesByTenant = new HashMap<>();
    for (ResidentCopy copy : resident) {
      bytesByTenant.merge(tenantOf.getOrDefault(copy.modelId(), ""), copy.sizeBytes(), Long::sum);
    }
    Set<String> over =
        quotas.overQuota(bytesByTenant, incoming.tenant(), incoming.sizeBytes(), capacityBytes);
    List<ResidentCopy> ordered = new ArrayList<>(resident);
    ordered.sort(base.evictionOrder());
    return DeficitCover.cover(
        ordered, copy -> over.contains(tenantOf.getOrDefault(copy.modelId(), "")), deficitBytes);
  }
}
