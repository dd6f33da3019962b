package io.densemesh.runtime.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class NvidiaSmiTest {

  @Test
  void readsMebibytesWithoutUnits() {
    assertThat(NvidiaSmi.parseMebibytes("81559\n")).hasValue(81559L << 20);
    assertThat(NvidiaSmi.parseMebibytes("  0 ")).hasValue(0);
  }

  @Test
  void unreadableOutputIsUnknown() {
    assertThat(NvidiaSmi.parseMebibytes("")).isEmpty();
    assertThat(NvidiaSmi.parseMebibytes("No devices were found")).isEmpty();
    assertThat(NvidiaSmi.parseMebibytes("[N/A]")).isEmpty();
    assertThat(NvidiaSmi.parseMebibytes("81559 MiB")).isEmpty();
  }

  @Test
  void aMissingToolIsUnknownNotAnError() {
    NvidiaSmi missing = new NvidiaSmi("densemesh-no-such-nvidia-smi");
    assertThat(missing.totalBytes(0)).isEqualTo(OptionalLong.empty());
    assertThat(missing.usedBytes(0)).isEqualTo(OptionalLong.empty());
  }
}
