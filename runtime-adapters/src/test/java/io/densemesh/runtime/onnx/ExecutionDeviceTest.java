package io.densemesh.runtime.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ExecutionDeviceTest {

  @Test
  void parsesCpuCudaAndIndexedCuda() {
    assertThat(ExecutionDevice.parse("cpu")).isEqualTo(ExecutionDevice.CPU);
    assertThat(ExecutionDevice.parse(" CUDA ")).isEqualTo(ExecutionDevice.cuda(0));
    assertThat(ExecutionDevice.parse("cuda:3").cudaIndex()).isEqualTo(3);
    assertThat(ExecutionDevice.parse("cuda:3").isCuda()).isTrue();
    assertThat(ExecutionDevice.CPU.isCuda()).isFalse();
  }

  @Test
  void printsTheFormItParses() {
    assertThat(ExecutionDevice.cuda(2)).hasToString("cuda:2");
    assertThat(ExecutionDevice.parse(ExecutionDevice.cuda(2).toString()))
        .isEqualTo(ExecutionDevice.cuda(2));
    assertThat(ExecutionDevice.CPU).hasToString("cpu");
  }

  @Test
  void rejectsOtherDevicesWithTheAcceptedForms() {
    for (String bad : new String[] {"gpu", "cuda:", "cuda:-1", "cuda:x", "cuda:99999", "", "rocm:0"}) {
      assertThatThrownBy(() -> ExecutionDevice.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("use cpu, cuda or cuda:N");
    }
  }
}
