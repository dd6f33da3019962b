package io.densemesh.grpc;

import io.densemesh.auth.Principal;
import io.densemesh.runtime.error.UnauthenticatedException;
import io.densemesh.serving.TenantScope;
import io.grpc.Context;

/**
 * The principal of the current gRPC call, set by {@link ClientEdge} (client port) or
 * {@link InternalEdge} (internal port). A call that reaches a service without one is refused:
 * a wiring mistake fails closed.
 */
public final class Callers {

  static final Context.Key<Principal> PRINCIPAL = Context.key("dm-principal");

  private Callers() {}

  public static Principal current() {
    Principal p = PRINCIPAL.get();
    if (p == null) {
      throw new UnauthenticatedException("no authenticated caller for this call");
    }
    return p;
  }

  /** The management scope of a caller: admins are unscoped, others limited to their tenant. */
  static TenantScope scope(Principal caller, int maxModels) {
    return caller.admin() ? TenantScope.UNSCOPED : TenantScope.of(caller.tenant(), maxModels);
  }
}
