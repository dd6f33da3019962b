package io.densemesh.cli.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class UnitsTest {

  @Test
  void durationsInEveryAcceptedForm() {
    assertThat(Units.duration("500us")).isEqualTo(Duration.ofNanos(500_000));
    assertThat(Units.duration("250\u00b5s")).isEqualTo(Duration.ofNanos(250_000));
    assertThat(Units.duration("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Units.duration("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(Units.duration(" 5m ")).isEqualTo(Duration.ofMinutes(5));
    assertThat(Units.duration("1H")).isEqualTo(Duration.ofHours(1));
    assertThat(Units.duration("2d")).isEqualTo(Duration.ofDays(2));
    assertThat(Units.duration("PT1M30S")).isEqualTo(Duration.ofSeconds(90));
  }

  @Test
  void malformedDurationsAreOneLineErrorsQuotingTheText() {
    for (String bad : new String[] {"", "5", "soon", "5x", "-1s", "ms", "99999999999999999999s"}) {
      assertThatThrownBy(() -> Units.duration(bad)).as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("'" + bad + "' is not a duration (examples: 500ms, 30s, 5m, 1h)");
    }
  }

  @Test
  void sizesAreBinary() {
    assertThat(Units.bytes("1048576")).isEqualTo(1L << 20);
    assertThat(Units.bytes("64k")).isEqualTo(64L << 10);
    assertThat(Units.bytes("512m")).isEqualTo(512L << 20);
    assertThat(Units.bytes("2Gi")).isEqualTo(2L << 30);
    assertThat(Units.bytes("1.5GB")).isEqualTo(3L << 29);
    assertThat(Units.bytes("64KiB")).isEqualTo(64L << 10);
    assertThatThrownBy(() -> Units.bytes("lots")).hasMessage(
        "'lots' is not a size (examples: 512m, 2g, 1048576)");
    assertThatThrownBy(() -> Units.bytes("99999999t")).hasMessage("'99999999t' is too large");
  }
}
