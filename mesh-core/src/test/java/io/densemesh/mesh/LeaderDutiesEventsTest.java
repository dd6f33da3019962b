package io.densemesh.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import io.densemesh.api.registry.CopyRecord;
import io.densemesh.api.registry.InstanceRecord;
import io.densemesh.api.registry.LoadFailure;
import io.densemesh.api.registry.ModelRecord;
import io.densemesh.registry.MeshView;
import io.densemesh.registry.Registry;
import io.densemesh.registry.SharedMemoryRegistry;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The leader's work follows changes: a lost copy or an ended failure backoff is handled in the
 * next pass, and the rest of the registry is read one sweep page per pass. Runs on the shared
 * in-memory fake registry with a fake clock and recording copy actions.
 */
class LeaderDutiesEventsTest {

  private final FakeClock clock = new FakeClock(1_000_000);
  private final List<String> added = new ArrayList<>();
  private final AtomicInteger pagesRead = new AtomicInteger();
  private Registry registry;
  private LeaderDuties leader;

  @BeforeEach
  void setUp() {
    registry = new SharedMemoryRegistry();
    registry.putInstance(InstanceRecord.newBuilder().setInstanceId("n1").build());
    registry.putInstance(InstanceRecord.newBuilder().setInstanceId("n2").build());
    for (int i = 0; i < 4 * LeaderDuties.SWEEP_PAGE; i++) {
      registry.putModel(ModelRecord.newBuilder().setModelId(String.format("m%05d", i))
          .setType("onnx").setPath("/p").build(), 0).orElseThrow();
    }
    LeaderDuties.CopyActions actions = new LeaderDuties.CopyActions() {
      @Override
      public void ensureCopy(ModelSpec spec) {}

      @Override
      public void addCopy(ModelSpec spec, Set<String> excluded) {
        added.add(spec.modelId());
      }
    };
    LeaderDuties.Transitions transitions = new LeaderDuties.Transitions() {
      @Override
      public void modelLoaded(String modelId) {}

      @Override
      public void modelLoadFailed(String modelId) {}
    };
    leader = new LeaderDuties("n1", registry, actions, transitions, clock,
        Duration.ofSeconds(30), false, () -> false);
  }

  @AfterEach
  void tearDown() {
    registry.close();
  }

  private void register(String id, int minCopies, LoadFailure... failures) {
    registry.putModel(ModelRecord.newBuilder().setModelId(id).setType("onnx").setPath("/p")
        .setMinCopies(minCopies).addAllFailures(List.of(failures)).build(), 0).orElseThrow();
  }

  private void copy(String model, String instance) {
    registry.putCopy(CopyRecord.newBuilder().setModelId(model).setInstanceId(instance)
        .setState(CopyRecord.State.LOADED).build());
  }

  @Test
  void aLostCopyIsReplacedInTheNextPassWithoutWaitingForTheSweep() {
    register("zz-min", 2); // sorts last: the sweep reaches it only after four pages
    copy("zz-min", "n1");
    copy("zz-min", "n2");
    leader.tick();
    assertThat(leader.leading()).isTrue();
    assertThat(added).isEmpty();

    registry.deleteCopy("zz-min", "n2");
    leader.tick();
    assertThat(added).containsExactly("zz-min");
  }

  @Test
  void aModelWhoseBackoffEndsGetsItsCopiesThen() {
    register("zz-failed", 1, LoadFailure.newBuilder().setInstanceId("n2").setReason("oom")
        .setTime(clock.millis()).build());
    copy("zz-failed", "n1");
    leader.tick();
    registry.deleteCopy("zz-failed", "n1");
    leader.tick();
    assertThat(added).as("still backing off").isEmpty();

    clock.advance(Duration.ofSeconds(31));
    leader.tick();
    assertThat(added).containsExactly("zz-failed");
  }

  @Test
  void theSweepCoversEveryModelOnePagePerPassAndWrapsAround() {
    register("zz-never-loaded", 1); // min copies, no copy, no copy event ever
    for (int pass = 0; pass < 4; pass++) {
      leader.tick();
    }
    assertThat(added).as("four pages cover m00000..m01023 only").isEmpty();
    leader.tick();
    assertThat(added).containsExactly("zz-never-loaded");
    leader.tick(); // wrapped: first page again
    assertThat(added).hasSize(1);
  }

  @Test
  void changedCopiesComparesCopyMapsByIdentity() {
    MeshView before = registry.view();
    copy("m00001", "n1");
    MeshView after = registry.view();
    assertThat(LeaderDuties.changedCopies(before, after)).containsExactly("m00001");
    assertThat(LeaderDuties.changedCopies(after, after)).isEmpty();

    registry.deleteCopy("m00001", "n1");
    assertThat(LeaderDuties.changedCopies(after, registry.view())).containsExactly("m00001");
  }
}
