package io.densemesh.auth;

import java.util.Objects;

/**
 * Who is calling, as a verified credential says: a subject (for logs), the tenant whose models it
 * acts on, and its role.
 *
 * @param subject the token's subject or the API key's name
 * @param tenant the caller's tenant; empty for an admin that names none
 * @param role what the caller may do
 */
public record Principal(String subject, String tenant, Role role) {

  /** Every caller when authentication is off: the node behaves as an open, single-tenant one. */
  public static final Principal OPEN = new Principal("anonymous", "", Role.ADMIN);

  /**
   * A mesh peer on the internal port: the request was authorised at the edge of the node that
   * first received it, so it is trusted as is.
   */
  public static final Principal PEER = new Principal("mesh-peer", "", Role.ADMIN);

  public Principal {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(role, "role");
    if (role != Role.ADMIN && tenant.isEmpty()) {
      throw new IllegalArgumentException("a " + role.wireName() + " needs a tenant");
    }
  }

  public boolean admin() {
    return role == Role.ADMIN;
  }
}
