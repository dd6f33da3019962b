package io.densemesh.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.densemesh.runtime.error.UnauthenticatedException;
import java.text.ParseException;
import java.time.Clock;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Verifies signed JWTs against a fixed key set (a JWKS document, which may list public RSA/EC/OKP
 * keys or shared HMAC keys) with nimbus-jose-jwt, then checks the claims against the injected
 * clock: {@code exp} required and not past (with the allowed skew), {@code nbf} reached,
 * {@code iss} equal to the configured issuer, {@code aud} containing the configured audience. The
 * tenant and role come from the configured claims.
 */
public final class JwtVerifier {

  private final DefaultJWTProcessor<SecurityContext> processor;
  private final JwtRules rules;
  private final Clock clock;

  public JwtVerifier(JWKSet keys, JwtRules rules, Clock clock) {
    this.rules = rules;
    this.clock = clock;
    Set<JWSAlgorithm> algorithms = new HashSet<>();
    algorithms.addAll(JWSAlgorithm.Family.SIGNATURE);
    algorithms.addAll(JWSAlgorithm.Family.HMAC_SHA);
    this.processor = new DefaultJWTProcessor<>();
    processor.setJWSKeySelector(
        new JWSVerificationKeySelector<>(algorithms, new ImmutableJWKSet<>(keys)));
    processor.setJWTClaimsSetVerifier((claims, context) -> { }); // checked below, on our clock
  }

  /** Whether a credential looks like a JWT (three base64url parts) rather than an API key. */
  public static boolean looksLikeJwt(String token) {
    int first = token.indexOf('.');
    return first > 0 && token.indexOf('.', first + 1) > first + 1 && token.startsWith("eyJ");
  }

  /**
   * @throws UnauthenticatedException saying which check failed
   */
  public Verified verify(String token) {
    JWTClaimsSet claims;
    try {
      claims = processor.process(token, null);
    } catch (ParseException e) {
      throw new UnauthenticatedException("invalid bearer token: not a well-formed JWT");
    } catch (BadJOSEException | JOSEException e) {
      throw new UnauthenticatedException("invalid bearer token: signature not verified by any"
          + " configured key");
    }
    long now = clock.millis();
    long skew = rules.clockSkew().toMillis();
    Date exp = claims.getExpirationTime();
    if (exp == null) {
      throw new UnauthenticatedException("invalid bearer token: it has no expiry (exp)");
    }
    if (now > exp.getTime() + skew) {
      throw new UnauthenticatedException("invalid bearer token: expired");
    }
    Date nbf = claims.getNotBeforeTime();
    if (nbf != null && now + skew < nbf.getTime()) {
      throw new UnauthenticatedException("invalid bearer token: not valid yet (nbf)");
    }
    if (!rules.issuer().equals(claims.getIssuer())) {
      throw new UnauthenticatedException("invalid bearer token: wrong issuer");
    }
    List<String> audience = claims.getAudience();
    if (audience == null || !audience.contains(rules.audience())) {
      throw new UnauthenticatedException("invalid bearer token: wrong audience");
    }
    return new Verified(principal(claims), exp.getTime() + skew);
  }

  private Principal principal(JWTClaimsSet claims) {
    String tenant;
    String roleText;
    try {
      tenant = claims.getStringClaim(rules.tenantClaim());
      roleText = claims.getStringClaim(rules.roleClaim());
    } catch (ParseException e) {
      throw new UnauthenticatedException("invalid bearer token: the " + rules.tenantClaim()
          + " and " + rules.roleClaim() + " claims must be strings");
    }
    Role role;
    try {
      role = roleText == null ? Role.TENANT : Role.parse(roleText);
    } catch (IllegalArgumentException e) {
      throw new UnauthenticatedException("invalid bearer token: " + e.getMessage());
    }
    if (role != Role.ADMIN && (tenant == null || tenant.isEmpty())) {
      throw new UnauthenticatedException("invalid bearer token: no " + rules.tenantClaim()
          + " claim");
    }
    String subject = claims.getSubject() == null ? "jwt" : claims.getSubject();
    return new Principal(subject, tenant == null ? "" : tenant, role);
  }
}
