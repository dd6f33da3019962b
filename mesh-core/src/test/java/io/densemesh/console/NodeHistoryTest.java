package io.densemesh.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.densemesh.testing.FakeClock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeHistoryTest {

  final FakeClock clock = new FakeClock(1_000_000);
  final NodeHistory history = new NodeHistory(clock);

  @Test
  void eachTickClosesAnIntervalOfWhatHappenedInIt() {
    history.hit("a");
    history.hit("a");
    history.hit("a");
    history.miss("b");
    history.loaded("b", 10, 5);
    history.loadFailed("c", "broken");
    history.unloaded("d", true, 1);
    history.unloaded("e", false, 1); // an unload asked for is not an eviction
    history.served("a", "t1", 1_000, true);
    clock.advance(Duration.ofSeconds(10));
    history.tick();
    clock.advance(Duration.ofSeconds(10));
    history.tick(); // an empty interval

    List<NodeHistory.Point> points = history.points();
    assertThat(points).hasSize(2);
    NodeHistory.Point first = points.get(0);
    assertThat(first.time()).isEqualTo(1_010_000);
    assertThat(first.seconds()).isEqualTo(10.0);
    assertThat(first.hits()).isEqualTo(3);
    assertThat(first.misses()).isEqualTo(1);
    assertThat(first.hitRatio()).isEqualTo(0.75);
    assertThat(first.loads()).isEqualTo(1);
    assertThat(first.failures()).isEqualTo(1);
    assertThat(first.evictions()).isEqualTo(1);
    assertThat(first.requests()).isEqualTo(1);
    assertThat(points.get(1).hitRatio()).isEqualTo(-1); // nothing asked: no ratio, not 0
  }

  @Test
  void onlyTheLastHourIsKept() {
    for (int i = 0; i < NodeHistory.KEPT + 5; i++) {
      history.hit("a");
      clock.advance(Duration.ofSeconds(NodeHistory.INTERVAL_SECONDS));
      history.tick();
    }
    assertThat(history.points()).hasSize(NodeHistory.KEPT);
    assertThat(history.points().get(0).time())
        .isEqualTo(1_000_000 + 6L * NodeHistory.INTERVAL_SECONDS * 1000);
  }

  @Test
  void tenantRatesAreOverTheLastMinute() {
    assertThat(history.tenantRates()).isEmpty();
    // 12 requests of t1 every 10 s for two minutes: the rate over the last minute is 1.2/s.
    for (int i = 0; i < 12; i++) {
      for (int r = 0; r < 12; r++) {
        history.served("m", "t1", 1, true);
      }
      clock.advance(Duration.ofSeconds(10));
      history.tick();
    }
    // t2 only in the last interval: 6 requests over the minute.
    for (int r = 0; r < 6; r++) {
      history.served("m", "t2", 1, false);
    }
    clock.advance(Duration.ofSeconds(10));
    history.tick();
    assertThat(history.tenantRates().get("t1")).isCloseTo(1.0, within(1e-9));
    assertThat(history.tenantRates().get("t2")).isCloseTo(0.1, within(1e-9));
  }

  @Test
  void tenantsFollowedAreBounded() {
    for (int i = 0; i < NodeHistory.MAX_TENANTS + 10; i++) {
      history.served("m", "tenant-" + i, 1, true);
    }
    clock.advance(Duration.ofSeconds(10));
    history.tick();
    assertThat(history.tenantRates()).hasSize(NodeHistory.MAX_TENANTS);
    assertThat(history.points().get(0).requests()).isEqualTo(NodeHistory.MAX_TENANTS + 10);
  }
}
