package io.densemesh.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.runtime.error.TenantLimitException;
import io.densemesh.testing.FakeClock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TenantRatesTest {

  final FakeClock clock = new FakeClock(1_000_000);
  final TenantRates rates = new TenantRates(clock);
  final Principal a = new Principal("alice", "a", Role.TENANT);
  final Principal b = new Principal("bob", "b", Role.TENANT);

  @Test
  void aTenantOverItsRateIsRefusedWithWhenToRetry() {
    rates.update(TenantLimits.parse(Map.of("tenantRequestsPerSecond", "2")));
    rates.acquire(a);
    rates.acquire(a);
    assertThatThrownBy(() -> rates.acquire(a))
        .isInstanceOfSatisfying(TenantLimitException.class, e -> {
          assertThat(e.getMessage()).contains("tenant 'a' is over its request rate of 2/s")
              .contains("retry in 500 ms");
          assertThat(e.retryAfter()).contains(Duration.ofMillis(500));
        });
    rates.acquire(b); // another tenant has its own bucket
    clock.advance(Duration.ofMillis(500));
    rates.acquire(a); // refilled
  }

  @Test
  void adminsAndTenantsWithoutARateAreNotLimited() {
    rates.update(TenantLimits.parse(Map.of("tenant.a.requestsPerSecond", "1")));
    for (int i = 0; i < 100; i++) {
      rates.acquire(b);
      rates.acquire(Principal.OPEN);
    }
    rates.acquire(a);
    assertThatThrownBy(() -> rates.acquire(a)).isInstanceOf(TenantLimitException.class);
  }

  @Test
  void newLimitsTakeEffectAtOnce() {
    rates.update(TenantLimits.parse(Map.of("tenantRequestsPerSecond", "1")));
    rates.acquire(a);
    assertThatThrownBy(() -> rates.acquire(a)).isInstanceOf(TenantLimitException.class);
    rates.update(TenantLimits.none());
    rates.acquire(a);
  }
}
