package io.densemesh.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ZipfSamplerTest {

  @Test
  void lowerRanksAreDrawnInProportionToTheirWeight() {
    ZipfSampler zipf = new ZipfSampler(4, 1.0);
    SplittableRandom random = new SplittableRandom(7);
    int[] counts = new int[4];
    for (int i = 0; i < 100_000; i++) {
      counts[zipf.next(random)]++;
    }
    // weights 1, 1/2, 1/3, 1/4 of 25/12: rank 0 is drawn 48% of the time, rank 3 12%
    assertThat(counts[0] / 100_000.0).isBetween(0.47, 0.49);
    assertThat(counts[3] / 100_000.0).isBetween(0.11, 0.13);
    assertThat(counts[0]).isGreaterThan(counts[1]);
    assertThat(counts[1]).isGreaterThan(counts[2]);
  }

  @Test
  void exponentZeroIsUniformAndEveryRankIsInRange() {
    ZipfSampler uniform = new ZipfSampler(3, 0);
    SplittableRandom random = new SplittableRandom(1);
    int[] counts = new int[3];
    for (int i = 0; i < 30_000; i++) {
      counts[uniform.next(random)]++;
    }
    for (int c : counts) {
      assertThat(c).isBetween(9_500, 10_500);
    }
  }

  @Test
  void noRanksIsRefused() {
    assertThatThrownBy(() -> new ZipfSampler(0, 1.0)).isInstanceOf(IllegalArgumentException.class);
  }
}
