package io.densemesh.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.densemesh.testing.FakeClock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelStatsTest {

  final FakeClock clock = new FakeClock(60_000L * 1_000_000);

  @Test
  void latenciesFallInTheirBucketsAndQuantilesReadBucketBounds() {
    ModelStats stats = new ModelStats(clock);
    stats.served("m", "t", 50_000, true); // 50 µs
    stats.served("m", "t", 150_000, true); // 150 µs
    stats.served("m", "t", 150_000, true);
    stats.served("m", "t", 7_000_000_000L, false); // 7 s: the open bucket
    ModelStats.Snapshot s = stats.of("m").orElseThrow();
    assertThat(s.counts()[0]).isEqualTo(1);
    assertThat(s.counts()[1]).isEqualTo(2);
    assertThat(s.counts()[LatencyHistogram.BOUNDS_MICROS.length]).isEqualTo(1);
    assertThat(s.errors()).isEqualTo(1);
    assertThat(LatencyHistogram.quantileMicros(s.counts(), 0.5)).isEqualTo(200);
    assertThat(LatencyHistogram.quantileMicros(s.counts(), 0.99)).isEqualTo(-1);
    assertThat(LatencyHistogram.quantileMicros(new long[4], 0.5)).isZero();
    assertThat(stats.of("never")).isEmpty();
  }

  @Test
  void minutesCountRequestsAndSampledCopiesForTheLastHour() {
    ModelStats stats = new ModelStats(clock);
    stats.served("m", "t", 1, true);
    stats.sampleCopies(id -> 2);
    clock.advance(Duration.ofMinutes(1));
    stats.served("m", "t", 1, false);
    stats.served("m", "t", 1, true);
    List<MinuteRing.Minute> minutes = stats.of("m").orElseThrow().minutes();
    assertThat(minutes).hasSize(2);
    assertThat(minutes.get(0).requests()).isEqualTo(1);
    assertThat(minutes.get(0).copies()).isEqualTo(2);
    assertThat(minutes.get(1).requests()).isEqualTo(2);
    assertThat(minutes.get(1).errors()).isEqualTo(1);
    assertThat(minutes.get(1).copies()).isEqualTo(-1); // not sampled in that minute yet

    // An hour later the old minutes are gone, and a slot reused from the last lap starts empty.
    clock.advance(Duration.ofMinutes(60));
    stats.served("m", "t", 1, true);
    minutes = stats.of("m").orElseThrow().minutes();
    assertThat(minutes).hasSize(1);
    assertThat(minutes.get(0).requests()).isEqualTo(1);
  }

  @Test
  void followsABoundedNumberOfModels() {
    ModelStats stats = new ModelStats(clock, 100);
    for (int i = 0; i < 1000; i++) {
      stats.served("m" + i, "t", 1, true);
    }
    assertThat(stats.followed()).isLessThanOrEqualTo(100);
  }
}
