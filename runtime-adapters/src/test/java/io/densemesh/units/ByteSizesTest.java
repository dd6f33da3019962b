package io.densemesh.units;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ByteSizesTest {

  @Test
  void bytesBelowOneKibibyteStayWhole() {
    assertThat(ByteSizes.format(0)).isEqualTo("0 B");
    assertThat(ByteSizes.format(1023)).isEqualTo("1023 B");
  }

  @Test
  void largerSizesUseTheLargestBinaryUnitWithOneDecimal() {
    assertThat(ByteSizes.format(1024)).isEqualTo("1.0 KiB");
    assertThat(ByteSizes.format(3L << 29)).isEqualTo("1.5 GiB");
    assertThat(ByteSizes.format(5L << 40)).isEqualTo("5.0 TiB");
    assertThat(ByteSizes.format(3L << 50)).as("no unit past TiB").isEqualTo("3072.0 TiB");
  }
}
