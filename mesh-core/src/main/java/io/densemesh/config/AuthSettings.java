package io.densemesh.config;

import io.densemesh.auth.JwtRules;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Who may call the node. Authentication is on when a JWT key set or an API key file is given;
 * with it off, the node serves every caller as an admin and binds only loopback unless
 * {@code insecure} says otherwise.
 *
 * @param jwksFile a JWKS document with the keys that sign accepted JWTs
 * @param apiKeysFile hashed static API keys (see {@link io.densemesh.auth.ApiKeys})
 * @param jwt what an accepted JWT must say (issuer, audience, skew, claim names)
 * @param insecure listen on {@code --host} even without authentication
 * @param meshSecretFile the shared secret peers present on the internal port
 */
public record AuthSettings(Optional<Path> jwksFile, Optional<Path> apiKeysFile, JwtRules jwt,
    boolean insecure, Optional<Path> meshSecretFile) {

  public AuthSettings {
    Objects.requireNonNull(jwksFile, "jwksFile");
    Objects.requireNonNull(apiKeysFile, "apiKeysFile");
    Objects.requireNonNull(jwt, "jwt");
    Objects.requireNonNull(meshSecretFile, "meshSecretFile");
    if (jwksFile.isPresent() && (jwt.issuer().isBlank() || jwt.audience().isBlank())) {
      throw new ConfigException("--jwks-file needs --jwt-issuer and --jwt-audience (tokens are"
          + " only accepted for this issuer and audience)");
    }
    if (jwt.clockSkew().isNegative() || jwt.clockSkew().toMinutes() > 10) {
      throw new ConfigException("--jwt-clock-skew must be 0..10m, got " + jwt.clockSkew());
    }
  }

  /** Whether clients must present credentials. */
  public boolean enabled() {
    return jwksFile.isPresent() || apiKeysFile.isPresent();
  }
}
