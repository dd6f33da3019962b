package io.densemesh.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

class ScaleUpThrottleTest {

  private final ScaleUpThrottle throttle = new ScaleUpThrottle(10_000);

  @Test
  void aModelScalesUpAtMostOncePerSpacing() {
    assertThat(throttle.tryAcquire("m", 0)).isTrue();
    assertThat(throttle.tryAcquire("m", 9_999)).isFalse();
    assertThat(throttle.tryAcquire("m", 10_000)).isTrue();
  }

  @Test
  void staysBoundedAfter100kDistinctModelsScaledUp() {
    for (int i = 0; i < 100_000; i++) {
      assertThat(throttle.tryAcquire("m" + i, i)).isTrue();
      if (i % 1_000 == 0) {
        throttle.prune(i, Set.of("m" + i));
      }
    }
    throttle.prune(100_000, Set.of());
    assertThat(throttle.size()).isZero();
  }

  @Test
  void pruningKeepsRecentScaleUpsOfHeldModels() {
    throttle.tryAcquire("held", 0);
    throttle.tryAcquire("gone", 0);
    throttle.prune(5_000, Set.of("held"));
    assertThat(throttle.size()).isEqualTo(1);
    assertThat(throttle.tryAcquire("held", 6_000)).as("still spaced").isFalse();
  }
}
