package io.densemesh.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LoadQueueTest {

  private final LoadQueue queue = new LoadQueue(1);
  private final CountDownLatch release = new CountDownLatch(1);
  private final List<String> ran = new CopyOnWriteArrayList<>();

  @AfterEach
  void tearDown() {
    release.countDown();
    queue.shutdownNow();
  }

  /** A load that records itself and then holds its slot until the test releases it. */
  private Runnable load(String name) {
    return () -> {
      queue.started();
      ran.add(name);
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
  }

  /** Occupies the only slot, so what is submitted next stays queued. */
  private void occupyTheSlot() {
    assertThat(queue.admit()).isTrue();
    assertThat(queue.submit(load("blocker"))).isTrue();
    await().until(() -> ran.contains("blocker"));
  }

  @Test
  void loadsBeyondTheQueueBoundAreRefusedUntilOneStarts() {
    occupyTheSlot();
    queue.setMaxQueued(2);

    assertThat(queue.admit()).isTrue();
    assertThat(queue.admit()).isTrue();
    assertThat(queue.admit()).as("a third waiting load").isFalse();
    assertThat(queue.queued()).isEqualTo(2);

    queue.started();
    assertThat(queue.admit()).isTrue();
  }

  @Test
  void aWithdrawnLoadNeverRuns() {
    occupyTheSlot();
    Runnable dropped = load("dropped");
    assertThat(queue.admit()).isTrue();
    assertThat(queue.submit(dropped)).isTrue();
    assertThat(queue.queued()).isEqualTo(1);

    queue.withdraw(dropped);
    assertThat(queue.queued()).isZero();
    assertThat(queue.admit()).isTrue();
    assertThat(queue.submit(load("next"))).isTrue();
    release.countDown();

    await().until(() -> ran.contains("next"));
    assertThat(ran).containsExactly("blocker", "next");
  }

  @Test
  void moreSlotsLetLoadsRunTogether() {
    queue.setSlots(3);
    CountDownLatch together = new CountDownLatch(3);
    for (int i = 0; i < 3; i++) {
      assertThat(queue.admit()).isTrue();
      queue.submit(() -> {
        queue.started();
        together.countDown();
        try {
          together.await(); // returns only when all three run at once
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        ran.add("done");
      });
    }
    await().until(() -> ran.size() == 3);
    assertThat(queue.slots()).isEqualTo(3);
    assertThat(queue.queued()).isZero();

    queue.setSlots(1);
    assertThat(queue.slots()).isEqualTo(1);
  }

  @Test
  void afterShutdownASubmissionIsRefusedAndItsAdmissionReturned() {
    queue.shutdownNow();

    assertThat(queue.admit()).isTrue();
    assertThat(queue.submit(load("late"))).isFalse();
    assertThat(queue.queued()).isZero();
  }

  @Test
  void settingsOutsideTheirRangeAreRejected() {
    assertThatThrownBy(() -> queue.setSlots(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> queue.setSlots(257)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> queue.setMaxQueued(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
