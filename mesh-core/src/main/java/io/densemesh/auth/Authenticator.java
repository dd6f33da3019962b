package io.densemesh.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.densemesh.runtime.error.UnauthenticatedException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Turns a request's {@code Authorization} value into a {@link Principal}, the same for gRPC
 * metadata and HTTP headers. Verdicts are cached by the exact header value, so a repeated token
 * costs one map lookup and a clock read (no parsing, hashing or signature check); a cached JWT
 * verdict lapses at the token's expiry, and reloading the credential files drops every verdict.
 * Failures are not cached.
 */
public final class Authenticator {

  private static final String BEARER = "Bearer ";
  private static final int CACHED_TOKENS = 100_000;

  private final CredentialFiles files;
  private final Clock clock;
  private final Cache<String, Verified> verdicts = Caffeine.newBuilder()
      .maximumSize(CACHED_TOKENS)
      .expireAfterWrite(Duration.ofMinutes(10))
      .build();

  public Authenticator(CredentialFiles files, Clock clock) {
    this.files = files;
    this.clock = clock;
  }

  /**
   * @param authorization the {@code Authorization} header (or gRPC metadata) value, or null
   * @throws UnauthenticatedException when it is missing, not a bearer token, or does not verify
   */
  public Principal authenticate(String authorization) {
    if (authorization == null || authorization.isEmpty()) {
      throw new UnauthenticatedException(
          "missing credentials: send the header 'authorization: Bearer <token>'");
    }
    Verified hit = verdicts.getIfPresent(authorization);
    if (hit != null && clock.millis() <= hit.validUntilMillis()) {
      return hit.principal();
    }
    if (!authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      throw new UnauthenticatedException(
          "unsupported credentials: the authorization header must be 'Bearer <token>'");
    }
    String token = authorization.substring(BEARER.length()).strip();
    Verified verified = verify(token);
    verdicts.put(authorization, verified);
    return verified.principal();
  }

  private Verified verify(String token) {
    CredentialFiles.Credentials now = files.current();
    if (JwtVerifier.looksLikeJwt(token) && now.jwt().isPresent()) {
      return now.jwt().get().verify(token);
    }
    Optional<Principal> key = now.apiKeys().lookup(token);
    if (key.isPresent()) {
      return new Verified(key.get(), Long.MAX_VALUE);
    }
    throw new UnauthenticatedException("invalid bearer token: not a known API key or valid JWT");
  }

  /** Re-reads the credential files; cached verdicts go when they changed (revoked keys stop). */
  public void refresh() {
    if (files.refresh()) {
      verdicts.invalidateAll();
    }
  }
}
