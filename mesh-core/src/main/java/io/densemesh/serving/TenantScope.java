package io.densemesh.serving;

/**
 * On whose behalf a management call runs: unscoped (an admin, or any caller of a node without
 * authentication) or one tenant, which sees and changes only its own models and vmodels and may
 * register at most {@code maxModels} (0: no limit).
 *
 * @param tenant the caller's tenant ("" when unscoped)
 * @param scoped whether the call is limited to {@code tenant}
 * @param maxModels models the tenant may have registered; 0 for no limit
 */
public record TenantScope(String tenant, boolean scoped, int maxModels) {

  public static final TenantScope UNSCOPED = new TenantScope("", false, 0);

  public static TenantScope of(String tenant, int maxModels) {
    return new TenantScope(tenant, true, maxModels);
  }

  /** Whether a resource of {@code owner} (a tenant) is visible to this scope. */
  public boolean sees(String owner) {
    return !scoped || tenant.equals(owner);
  }
}
