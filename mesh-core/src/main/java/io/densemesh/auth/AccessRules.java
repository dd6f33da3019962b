package io.densemesh.auth;

/**
 * Whether a principal may do an action on a resource (a model or vmodel) of some tenant. Pure:
 * the transports and services call it once per call, before routing.
 *
 * <ul>
 *   <li>an admin may do everything, on every tenant;
 *   <li>MeshAdmin calls need the admin role;
 *   <li>a reader may infer and read, never change anything;
 *   <li>a tenant or reader sees only resources of its own tenant: another tenant's resource is
 *       {@link Decision#HIDDEN}, and callers answer exactly as for a missing one, so a tenant
 *       cannot learn that it exists.
 * </ul>
 * The role is checked before the tenant, so a refused role never tells whether a resource exists.
 */
public final class AccessRules {

  /** The outcome of a check. */
  public enum Decision {
    ALLOW,
    /** The role does not allow the action at all (PERMISSION_DENIED / 403). */
    DENIED,
    /** Another tenant's resource: answer as if it did not exist (NOT_FOUND / 404). */
    HIDDEN
  }

  private AccessRules() {}

  /** Whether the role alone allows the action (no resource involved yet). */
  public static boolean roleAllows(Principal caller, Action action) {
    return switch (caller.role()) {
      case ADMIN -> true;
      case TENANT -> action != Action.ADMIN;
      case READER -> action == Action.INFER || action == Action.READ;
    };
  }

  /** Whether the caller may see a resource owned by {@code tenant}. */
  public static boolean sees(Principal caller, String tenant) {
    return caller.admin() || caller.tenant().equals(tenant);
  }

  /** The decision for an action on a resource owned by {@code resourceTenant}. */
  public static Decision decide(Principal caller, Action action, String resourceTenant) {
    if (!roleAllows(caller, action)) {
      return Decision.DENIED;
    }
    return sees(caller, resourceTenant) ? Decision.ALLOW : Decision.HIDDEN;
  }
}
