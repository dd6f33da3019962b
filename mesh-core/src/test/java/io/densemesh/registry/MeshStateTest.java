package io.densemesh.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.densemesh.api.registry.CopyRecord;
import io.densemesh.api.registry.InstanceRecord;
import org.junit.jupiter.api.Test;

/** The incremental live view: per-key changes, published views that never change afterwards. */
class MeshStateTest {

  private static CopyRecord copy(String model, String instance, CopyRecord.State state) {
    return CopyRecord.newBuilder().setModelId(model).setInstanceId(instance).setState(state)
        .build();
  }

  @Test
  void aPublishedViewIsNotChangedByLaterUpdates() {
    MeshState state = new MeshState();
    state.putInstance(InstanceRecord.newBuilder().setInstanceId("n1").build());
    state.putCopy(copy("a", "n1", CopyRecord.State.LOADING));
    MeshView before = state.snapshot(1);

    state.putCopy(copy("a", "n1", CopyRecord.State.LOADED));
    state.putCopy(copy("b", "n1", CopyRecord.State.LOADED));
    state.removeInstance("n1");
    state.putClaim("c", "n2");
    MeshView after = state.snapshot(2);

    assertThat(before.copiesOf("a").get("n1").getState()).isEqualTo(CopyRecord.State.LOADING);
    assertThat(before.copies()).containsOnlyKeys("a");
    assertThat(before.instances()).containsOnlyKeys("n1");
    assertThat(before.claims()).isEmpty();
    assertThat(after.copiesOf("a").get("n1").getState()).isEqualTo(CopyRecord.State.LOADED);
    assertThat(after.copies()).containsOnlyKeys("a", "b");
    assertThat(after.instances()).isEmpty();
    assertThat(after.claims()).containsEntry("c", "n2");
  }

  @Test
  void aChangeToOneModelSharesEveryOtherModelsCopiesWithThePreviousView() {
    MeshState state = new MeshState();
    for (int i = 0; i < 1000; i++) {
      state.putCopy(copy("m" + i, "n1", CopyRecord.State.LOADED));
    }
    MeshView before = state.snapshot(1);
    state.putCopy(copy("m7", "n2", CopyRecord.State.LOADING));
    MeshView after = state.snapshot(2);

    assertThat(after.copiesOf("m8")).isSameAs(before.copiesOf("m8"));
    assertThat(after.copiesOf("m7")).isNotSameAs(before.copiesOf("m7"))
        .containsOnlyKeys("n1", "n2");
    assertThat(before.copiesOf("m7")).containsOnlyKeys("n1");
  }

  @Test
  void removingTheLastCopyDropsTheModelAndRemovingAnUnknownCopyChangesNothing() {
    MeshState state = new MeshState();
    state.putCopy(copy("a", "n1", CopyRecord.State.LOADED));
    state.removeCopy("a", "n9");
    state.removeCopy("zz", "n1");
    MeshView kept = state.snapshot(1);
    state.removeCopy("a", "n1");
    MeshView gone = state.snapshot(2);

    assertThat(kept.copiesOf("a")).containsOnlyKeys("n1");
    assertThat(gone.copies()).isEmpty();
    assertThat(gone.copiesOf("a")).isEmpty();
  }

  @Test
  void replacingTheConfigDropsSettingsNotNamed() {
    MeshState state = new MeshState();
    state.putSetting("old", "1");
    state.replaceConfig(java.util.Map.of("new", "2"));
    assertThat(state.snapshot(1).config()).containsExactly(java.util.Map.entry("new", "2"));
  }
}
