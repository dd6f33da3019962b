package io.densemesh.admission;

import static org.assertj.core.api.Assertions.assertThat;

import io.densemesh.testing.FakeClock;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {

  private final FakeClock clock = new FakeClock(5_000_000);

  private static int retriesAllowed(RetryBudget budget, int tries) {
    int allowed = 0;
    for (int i = 0; i < tries; i++) {
      if (budget.tryRetry()) {
        allowed++;
      }
    }
    return allowed;
  }

  @Test
  void aQuietNodeGetsTheMinimumPerSecondOfTheWindow() {
    RetryBudget budget = new RetryBudget(clock, 10, 10, 2);

    assertThat(retriesAllowed(budget, 100)).isEqualTo(20);
  }

  @Test
  void retriesAreAShareOfForwardsOverTheWindow() {
    RetryBudget budget = new RetryBudget(clock, 10, 10, 0);
    for (int i = 0; i < 1000; i++) {
      budget.forwarded();
    }

    assertThat(retriesAllowed(budget, 1000)).isEqualTo(100);
  }

  @Test
  void theBudgetRefillsAsOldSecondsLeaveTheWindow() {
    RetryBudget budget = new RetryBudget(clock, 10, 10, 0);
    for (int i = 0; i < 100; i++) {
      budget.forwarded();
    }
    assertThat(retriesAllowed(budget, 50)).isEqualTo(10);

    clock.advance(Duration.ofSeconds(5));
    assertThat(retriesAllowed(budget, 50)).isZero(); // the forwards still count, so do retries
    clock.advance(Duration.ofSeconds(6));
    assertThat(retriesAllowed(budget, 50)).isZero(); // window empty: no forwards, no minimum
    for (int i = 0; i < 50; i++) {
      budget.forwarded();
    }
    assertThat(retriesAllowed(budget, 50)).isEqualTo(5);
  }

  @Test
  void aClockThatJumpsFarAheadEmptiesTheWindow() {
    RetryBudget budget = new RetryBudget(clock, 10, 100, 0);
    budget.forwarded();
    budget.forwarded();
    clock.advance(Duration.ofDays(3));

    assertThat(retriesAllowed(budget, 5)).isZero();
  }

  @Test
  void limitsChangeLive() {
    RetryBudget budget = new RetryBudget(clock, 10, 10, 0);
    budget.setLimits(0, 1);

    assertThat(retriesAllowed(budget, 30)).isEqualTo(10);
  }

  @Test
  void backoffGrowsWithEachRetryIsJitteredAndCapped() {
    RetryBackoff backoff = new RetryBackoff(Duration.ofMillis(10), Duration.ofMillis(40),
        new Random(1));

    for (int i = 0; i < 200; i++) {
      assertThat(backoff.before(1)).isBetween(Duration.ofMillis(5), Duration.ofMillis(10));
      assertThat(backoff.before(2)).isBetween(Duration.ofMillis(10), Duration.ofMillis(20));
      assertThat(backoff.before(30)).isBetween(Duration.ofMillis(20), Duration.ofMillis(40));
    }
    long distinct = java.util.stream.IntStream.range(0, 50)
        .mapToObj(i -> backoff.before(3)).distinct().count();
    assertThat(distinct).isGreaterThan(10);
  }
}
