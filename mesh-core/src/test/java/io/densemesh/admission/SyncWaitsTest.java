package io.densemesh.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.densemesh.runtime.error.OverloadedException;
import io.densemesh.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class SyncWaitsTest {

  /** A timer driven by the fake clock: tasks run when a test moves time past them. */
  static final class ManualTimer implements SyncWaits.Timer {
    private record Task(long dueMillis, Runnable run, AtomicBoolean cancelled) {}

    private final FakeClock clock;
    private final List<Task> tasks = new ArrayList<>();

    ManualTimer(FakeClock clock) {
      this.clock = clock;
    }

    @Override
    public synchronized Runnable schedule(Runnable task, Duration delay) {
      Task t = new Task(clock.millis() + delay.toMillis(), task, new AtomicBoolean());
      tasks.add(t);
      return () -> t.cancelled().set(true);
    }

    void advance(Duration d) {
      clock.advance(d);
      List<Task> due = new ArrayList<>();
      synchronized (this) {
        for (Task t : List.copyOf(tasks)) {
          if (t.dueMillis() <= clock.millis()) {
            tasks.remove(t);
            due.add(t);
          }
        }
      }
      due.stream().filter(t -> !t.cancelled().get()).forEach(t -> t.run().run());
    }

    synchronized long pending() {
      return tasks.stream().filter(t -> !t.cancelled().get()).count();
    }
  }

  private final FakeClock clock = new FakeClock(1_000_000);
  private final ManualTimer timer = new ManualTimer(clock);
  private final SyncWaits waits = new SyncWaits(2, Duration.ofSeconds(30), clock, timer);

  @Test
  void endsWhenTheLoadCompletesAndFreesItsPlace() {
    CompletableFuture<Void> load = new CompletableFuture<>();
    CompletableFuture<SyncWaits.Outcome> ended = waits.enter().until(load, null);
    assertEquals(1, waits.waiting());
    assertFalse(ended.isDone());
    load.complete(null);
    assertEquals(SyncWaits.Outcome.DONE, ended.join());
    assertEquals(0, waits.waiting());
    assertEquals(0, timer.pending(), "the deadline timer is cancelled");
  }

  @Test
  void aFailedLoadEndsTheWaitToo() {
    CompletableFuture<Void> load = new CompletableFuture<>();
    CompletableFuture<SyncWaits.Outcome> ended = waits.enter().until(load, null);
    load.completeExceptionally(new IllegalStateException("boom"));
    assertEquals(SyncWaits.Outcome.DONE, ended.join());
  }

  @Test
  void endsAtTheCallersDeadlineWhenItIsEarlierThanTheLoadTimeout() {
    SyncWaits.Wait wait = waits.enter();
    CompletableFuture<SyncWaits.Outcome> ended =
        wait.until(new CompletableFuture<>(), Duration.ofSeconds(2));
    assertEquals(Duration.ofSeconds(2), wait.limit());
    timer.advance(Duration.ofMillis(1999));
    assertFalse(ended.isDone());
    timer.advance(Duration.ofMillis(1));
    assertEquals(SyncWaits.Outcome.DEADLINE, ended.join());
    assertEquals(0, waits.waiting());
    assertEquals(Duration.ofSeconds(2), wait.elapsed());
  }

  @Test
  void endsAtTheLoadTimeoutWithoutACallerDeadlineOrALaterOne() {
    SyncWaits.Wait none = waits.enter();
    SyncWaits.Wait later = waits.enter();
    CompletableFuture<SyncWaits.Outcome> a = none.until(new CompletableFuture<>(), null);
    CompletableFuture<SyncWaits.Outcome> b =
        later.until(new CompletableFuture<>(), Duration.ofMinutes(5));
    assertEquals(Duration.ofSeconds(30), later.limit());
    timer.advance(Duration.ofSeconds(29));
    assertFalse(a.isDone() || b.isDone());
    timer.advance(Duration.ofSeconds(1));
    assertEquals(SyncWaits.Outcome.DEADLINE, a.join());
    assertEquals(SyncWaits.Outcome.DEADLINE, b.join());
  }

  @Test
  void refusesBeyondTheCapAndAdmitsAgainOnceAPlaceIsFree() {
    SyncWaits.Wait first = waits.enter();
    waits.enter().until(new CompletableFuture<>(), null);
    OverloadedException refused = assertThrows(OverloadedException.class, waits::enter);
    assertTrue(refused.getMessage().contains("2 management calls"), refused.getMessage());
    first.cancel();
    assertEquals(1, waits.waiting());
    waits.enter();
    assertEquals(2, waits.waiting());
  }

  @Test
  void aCancelledWaitFreesItsPlaceAndALaterLoadChangesNothing() {
    CompletableFuture<Void> load = new CompletableFuture<>();
    SyncWaits.Wait wait = waits.enter();
    CompletableFuture<SyncWaits.Outcome> ended = wait.until(load, null);
    wait.cancel();
    assertTrue(ended.isCancelled());
    assertEquals(0, waits.waiting());
    load.complete(null);
    wait.cancel();
    assertEquals(0, waits.waiting(), "a place is freed once");
    assertEquals(0, timer.pending());
  }

  @Test
  void aTransitionIsCheckedOnTheTimerUntilItSettles() {
    CompletableFuture<Void> load = CompletableFuture.completedFuture(null);
    AtomicBoolean settled = new AtomicBoolean();
    CompletableFuture<SyncWaits.Outcome> ended = waits.enter()
        .until(load, settled::get, Duration.ofMillis(10), null);
    timer.advance(Duration.ofMillis(10));
    timer.advance(Duration.ofMillis(10));
    assertFalse(ended.isDone());
    settled.set(true);
    timer.advance(Duration.ofMillis(10));
    assertEquals(SyncWaits.Outcome.DONE, ended.join());
    assertEquals(0, waits.waiting());
  }

  @Test
  void aTransitionThatNeverSettlesEndsAtTheDeadline() {
    SyncWaits.Wait wait = waits.enter();
    CompletableFuture<SyncWaits.Outcome> ended = wait.until(
        CompletableFuture.completedFuture(null), () -> false, Duration.ofMillis(500),
        Duration.ofSeconds(3));
    for (int i = 0; i < 5; i++) {
      timer.advance(Duration.ofMillis(500));
    }
    assertFalse(ended.isDone());
    timer.advance(Duration.ofMillis(500));
    assertEquals(SyncWaits.Outcome.DEADLINE, ended.join());
  }

  @Test
  void rejectsANonPositiveCap() {
    assertThrows(IllegalArgumentException.class, () -> waits.setMax(0));
  }
}
