package io.densemesh.auth;

import java.time.Duration;
import java.util.Objects;

/**
 * What a JWT must say to be accepted.
 *
 * @param issuer the exact {@code iss} required
 * @param audience a value that {@code aud} must contain
 * @param clockSkew how far {@code exp} and {@code nbf} may be off this node's clock
 * @param tenantClaim the claim holding the tenant (a string)
 * @param roleClaim the claim holding the role ({@code tenant}, {@code admin} or {@code reader});
 *     a token without it is a {@code tenant}
 */
public record JwtRules(String issuer, String audience, Duration clockSkew, String tenantClaim,
    String roleClaim) {

  public JwtRules {
    Objects.requireNonNull(issuer, "issuer");
    Objects.requireNonNull(audience, "audience");
    Objects.requireNonNull(clockSkew, "clockSkew");
    Objects.requireNonNull(tenantClaim, "tenantClaim");
    Objects.requireNonNull(roleClaim, "roleClaim");
  }
}
