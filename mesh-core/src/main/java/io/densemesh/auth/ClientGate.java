package io.densemesh.auth;

import java.util.Optional;

/**
 * What every client call passes first, on any transport: its credentials become a principal
 * (every caller is {@link Principal#OPEN} when authentication is off), then its tenant's request
 * rate is charged.
 */
public final class ClientGate {

  private final Optional<Authenticator> authenticator;
  private final TenantRates rates;

  /** @param authenticator empty when authentication is off */
  public ClientGate(Optional<Authenticator> authenticator, TenantRates rates) {
    this.authenticator = authenticator;
    this.rates = rates;
  }

  /** Whether callers must present credentials. */
  public boolean authenticating() {
    return authenticator.isPresent();
  }

  /**
   * @param authorization the {@code Authorization} value, or null when none was sent
   * @throws io.densemesh.runtime.error.UnauthenticatedException on bad or missing credentials
   * @throws io.densemesh.runtime.error.TenantLimitException when the tenant is over its rate
   */
  public Principal admit(String authorization) {
    Principal caller = authenticator.isEmpty() ? Principal.OPEN
        : authenticator.get().authenticate(authorization);
    rates.acquire(caller);
    return caller;
  }
}
