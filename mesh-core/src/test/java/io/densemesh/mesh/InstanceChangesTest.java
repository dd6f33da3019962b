package io.densemesh.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import io.densemesh.api.registry.InstanceRecord;
import org.junit.jupiter.api.Test;

/** Which instance-record changes are published at once. */
class InstanceChangesTest {

  private final InstanceRecord base = InstanceRecord.newBuilder().setInstanceId("n")
      .setUsedBytes(100).setInFlight(10).setOldestUse(1_000_000).build();

  @Test
  void anyChangeOfAHardFieldIsMeaningful() {
    assertThat(InstanceChanges.meaningful(base, base.toBuilder().setUsedBytes(101).build()))
        .isTrue();
    assertThat(InstanceChanges.meaningful(base, base.toBuilder().setDraining(true).build()))
        .isTrue();
    assertThat(InstanceChanges.meaningful(null, base)).isTrue();
    assertThat(InstanceChanges.meaningful(base, base)).isFalse();
  }

  @Test
  void trafficSignalsCountOnlyWhenTheyMovedEnough() {
    assertThat(InstanceChanges.meaningful(base, base.toBuilder().setInFlight(13).build()))
        .isFalse();
    assertThat(InstanceChanges.meaningful(base, base.toBuilder().setInFlight(15).build()))
        .isTrue();
    assertThat(InstanceChanges.meaningful(base,
        base.toBuilder().setOldestUse(1_000_000 + 29_000).build())).isFalse();
    assertThat(InstanceChanges.meaningful(base,
        base.toBuilder().setOldestUse(1_000_000 + 31_000).build())).isTrue();
    assertThat(InstanceChanges.meaningful(base, base.toBuilder().setOldestUse(0).build()))
        .isTrue();
  }
}
