package io.densemesh.auth;

/**
 * A credential that verified: who it names and until when that answer holds.
 *
 * @param principal the caller
 * @param validUntilMillis epoch millis after which the credential must be checked again (a JWT's
 *     expiry plus the allowed clock skew; {@link Long#MAX_VALUE} for an API key)
 */
public record Verified(Principal principal, long validUntilMillis) {}
