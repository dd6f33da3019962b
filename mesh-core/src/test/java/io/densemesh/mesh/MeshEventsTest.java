package io.densemesh.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.densemesh.api.registry.InstanceRecord;
import io.densemesh.registry.MeshView;
import io.densemesh.registry.SharedMemoryRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** Waiters on the registry view: completed by the change that makes them hold, never early. */
class MeshEventsTest {

  private static final Duration LONG = Duration.ofMinutes(1);

  private final SharedMemoryRegistry registry = new SharedMemoryRegistry();
  private final MeshEvents events = new MeshEvents(registry);

  private void join(String instanceId) {
    registry.putInstance(InstanceRecord.newBuilder().setInstanceId(instanceId).build());
  }

  @Test
  void aConditionThatHoldsAlreadyCompletesAtOnce() {
    join("a");

    CompletableFuture<MeshView> done = events.when(v -> v.instances().containsKey("a"), LONG);

    assertThat(done).isCompleted();
    assertThat(events.waiting()).isZero();
  }

  @Test
  void aWaiterCompletesWithTheViewOfTheChangeThatMadeItHoldAndNotBefore() throws Exception {
    CompletableFuture<MeshView> done = events.when(v -> v.instances().size() == 2, LONG);

    join("a");
    assertThat(done).isNotDone();
    join("b");

    assertThat(done.get(0, TimeUnit.MILLISECONDS).instances()).containsOnlyKeys("a", "b");
  }

  @Test
  void aConditionThatNeverHoldsFailsAtItsDeadlineAndIsForgotten() {
    CompletableFuture<MeshView> done =
        events.when(v -> v.instances().containsKey("never"), Duration.ofMillis(20));
    join("a");

    assertThatThrownBy(done::get).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(TimeoutException.class);
    await().until(() -> events.waiting() == 0);
  }

  @Test
  void aConditionThatThrowsFailsOnlyItsOwnWaiter() {
    CompletableFuture<MeshView> broken = events.when(v -> {
      if (v.instances().containsKey("a")) {
        throw new IllegalStateException("bad condition");
      }
      return false;
    }, LONG);
    CompletableFuture<MeshView> fine = events.when(v -> v.instances().containsKey("a"), LONG);

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
    }, LONG);
    done.cancel(false);
    int before = checks[0];

    join("a");

    assertThat(checks[0]).isEqualTo(before);
    assertThat(events.waiting()).isZero();
  }

  /** Regression: waits that timed out stayed in the waiter list forever. */
  @Test
  void waitersStayBoundedAfter100kWaitsTimedOut() {
    for (int i = 0; i < 100_000; i++) {
      String id = "never-" + i;
      events.when(v -> v.instances().containsKey(id), Duration.ofMillis(1));
    }
    join("a");
    await().atMost(Duration.ofSeconds(30)).until(() -> events.waiting() == 0);
  }
}
