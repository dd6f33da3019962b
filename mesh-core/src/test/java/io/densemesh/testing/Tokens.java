package io.densemesh.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.densemesh.auth.ApiKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/**
 * A real token issuer for tests: an RSA key made in the test, its public JWKS written to a file,
 * and signed JWTs with chosen claims; plus API key files holding only hashes.
 */
public final class Tokens {

  public static final String ISSUER = "https://issuer.test";
  public static final String AUDIENCE = "densemesh";

  private final RSAKey key;

  public Tokens() {
    this("test-key");
  }

  public Tokens(String keyId) {
    try {
      key = new RSAKeyGenerator(2048).keyID(keyId).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes the public key set (what a node is given) to {@code file}. */
  public Path writeJwks(Path file) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, new JWKSet(key.toPublicJWK()).toString());
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A JWT for a tenant and role, valid for an hour from {@code now}, for the test audience. */
  public String jwt(String tenant, String role, Instant now) {
    return jwt(claims(tenant, role, now).build());
  }

  /** Claims a test can change before signing. */
  public JWTClaimsSet.Builder claims(String tenant, String role, Instant now) {
    JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
        .issuer(ISSUER).audience(AUDIENCE).subject("user-of-" + tenant)
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plus(Duration.ofHours(1))));
    if (tenant != null) {
      claims.claim("tenant", tenant);
    }
    if (role != null) {
      claims.claim("role", role);
    }
    return claims;
  }

  public String jwt(JWTClaimsSet claims) {
    try {
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256)
          .keyID(key.getKeyID()).build(), claims);
      jwt.sign(new RSASSASigner(key));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The flags that make a node accept this issuer's tokens. */
  public String[] nodeFlags(Path jwks) {
    return new String[] {"--jwks-file", jwks.toString(), "--jwt-issuer", ISSUER,
        "--jwt-audience", AUDIENCE};
  }

  /** An API key file line for a key: only its hash is written. */
  public static String apiKeyLine(String key, String tenant, String role) {
    return ApiKeys.sha256(key) + " " + tenant + " " + role;
  }
}
