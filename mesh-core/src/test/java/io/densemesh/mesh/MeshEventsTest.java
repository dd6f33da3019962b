package io.densemesh.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.api.registry.InstanceRecord;
import io.densemesh.registry.MeshView;
import io.densemesh.registry.SharedMemoryRegistry;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** Waiters on the registry view: completed by the change that makes them hold, never early. */
class MeshEventsTest {

  private final SharedMemoryRegistry registry = new SharedMemoryRegistry();
  private final MeshEvents events = new MeshEvents(registry);

  private void join(String instanceId) {
    registry.putInstance(InstanceRecord.newBuilder().setInstanceId(instanceId).build());
  }

  @Test
  void aConditionThatHoldsAlreadyCompletesAtOnce() {
    join("a");

    CompletableFuture<MeshView> done = events.when(v -> v.instances().containsKey("a"));

    assertThat(done).isCompleted();
  }

  @Test
  void aWaiterCompletesWithTheViewOfTheChangeThatMadeItHoldAndNotBefore() throws Exception {
    CompletableFuture<MeshView> done = events.when(v -> v.instances().size() == 2);

    join("a");
    assertThat(done).isNotDone();
    join("b");

    assertThat(done.get(0, TimeUnit.MILLISECONDS).instances()).containsOnlyKeys("a", "b");
  }

  @Test
  void aConditionThatNeverHoldsTimesOutForItsCaller() {
    CompletableFuture<MeshView> done = events.when(v -> v.instances().containsKey("never"));
    join("a");

    assertThatThrownBy(() -> done.get(20, TimeUnit.MILLISECONDS))
        .isInstanceOf(TimeoutException.class);
  }

  @Test
  void aConditionThatThrowsFailsOnlyItsOwnWaiter() {
    CompletableFuture<MeshView> broken = events.when(v -> {
      if (v.instances().containsKey("a")) {
        throw new IllegalStateException("bad condition");
      }
      return false;
    });
    CompletableFuture<MeshView> fine = events.when(v -> v.instances().containsKey("a"));

    join("a");

    assertThat(fine).isCompleted();
    assertThatThrownBy(broken::get).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(IllegalStateException.class);
  }

  @Test
  void aCancelledWaiterIsNoLongerChecked() {
    int[] checks = new int[1];
    CompletableFuture<MeshView> done = events.when(v -> {
      checks[0]++;
      return false;
    });
    done.cancel(false);
    int before = checks[0];

    join("a");

    assertThat(checks[0]).isEqualTo(before);
  }
}
