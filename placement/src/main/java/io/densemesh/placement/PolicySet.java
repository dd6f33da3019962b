package io.densemesh.placement;

/**
 * The policies built from one {@link PolicyConfig}: what a node (or the simulator) holds and swaps
 * as a whole when a new config is pushed.
 */
public record PolicySet(
    PolicyConfig config,
    PlacementPolicy placement,
    RankedEvictionPolicy eviction,
    CopyPolicy copies,
    TenantQuotas quotas) {

  public static PolicySet from(PolicyConfig config) {
    RankedEvictionPolicy eviction =
        EvictionPolicies.ranked(config.eviction(), config.costHalfLifeMillis());
    return new PolicySet(
        config,
        PlacementPolicies.byName(config.placement()),
        eviction,
        CopyPolicies.from(config),
        new TenantQuotas(config.tenantQuotaFraction(), java.util.Map.of()));
  }

  /** Eviction honouring the tenant quotas (plain eviction when quotas are off). */
  public TenantQuotaEviction quotaEviction() {
    return new TenantQuotaEviction(eviction, quotas);
  }
}
