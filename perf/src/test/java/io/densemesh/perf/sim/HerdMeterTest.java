package io.densemesh.perf.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HerdMeterTest {

  @Test
  void allLoadsOnOneNodeIsTheNodeCountAnEvenSpreadIsOne() {
    HerdMeter herded = new HerdMeter(4, 1_000);
    HerdMeter spread = new HerdMeter(4, 1_000);
    for (int i = 0; i < 8; i++) {
      herded.recordLoad(2, i * 300L);
      spread.recordLoad(i % 4, (i / 4) * 1_000L);
    }
    assertThat(herded.factor()).isEqualTo(4.0);
    assertThat(spread.factor()).isEqualTo(1.0);
    assertThat(herded.overallImbalance()).isEqualTo(4.0);
  }

  @Test
  void waitQuantilesCountTheRequestsThatDidNotWait() {
    WaitRecorder waits = new WaitRecorder();
    for (int i = 0; i < 98; i++) {
      waits.record(0);
    }
    waits.record(500);
    waits.record(900);

    assertThat(waits.quantile(0.98)).isZero();
    assertThat(waits.quantile(0.99)).isEqualTo(500);
    assertThat(waits.quantile(1.0)).isEqualTo(900);
    assertThat(waits.totalMillis()).isEqualTo(1_400);
  }
}
