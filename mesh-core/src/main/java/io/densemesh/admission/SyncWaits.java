package io.densemesh.admission;

import io.densemesh.runtime.error.OverloadedException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Management calls with {@code sync=true} (registerModel with loadNow, ensureLoaded, setVModel)
 * waiting for a load without a thread: the call's thread goes back to the server, and the answer
 * is made when the load's future completes, when the wait's deadline passes (the earlier of the
 * caller's deadline and the load timeout), or never when the caller cancels. At most
 * {@code max} calls wait at once; one more is refused at once with {@link OverloadedException}
 * (RESOURCE_EXHAUSTED), never queued.
 *
 * <p>Time comes from the injected clock; the deadline fires through the injected {@link Timer}
 * (a scheduled executor on a node, a manual one in tests).
 */
public final class SyncWaits {

  /** Runs a task after a delay; the handle cancels it. */
  @FunctionalInterface
  public interface Timer {
    Runnable schedule(Runnable task, Duration delay);
  }

  /** How one wait ended. */
  public enum Outcome {
    /** The awaited work completed (successfully or not: the answer reports which). */
    DONE,
    /** The deadline passed first; the work goes on. */
    DEADLINE
  }

  private final AtomicInteger waiting = new AtomicInteger();
  private final Clock clock;
  private final Timer timer;
  private final Duration loadTimeout;
  private volatile int max;

  public SyncWaits(int max, Duration loadTimeout, Clock clock, Timer timer) {
    setMax(max);
    this.loadTimeout = loadTimeout;
    this.clock = clock;
    this.timer = timer;
  }

  /** A wait that holds one of the bounded places until it ends. */
  public final class Wait {
    private final AtomicBoolean open = new AtomicBoolean(true);
    private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    private final long startedMillis = clock.millis();
    private volatile Duration limit = loadTimeout;

    private Wait() {
      outcome.whenComplete((o, failure) -> close());
    }

    /**
     * Waits for {@code work} at most the load timeout or {@code callerRemaining} (null: no
     * caller deadline), whichever is shorter. The returned future completes with how the wait
     * ended; it is cancelled by {@link #cancel} (the caller went away).
     */
    public CompletableFuture<Outcome> until(CompletableFuture<?> work, Duration callerRemaining) {
      limit = callerRemaining == null || callerRemaining.compareTo(loadTimeout) > 0
          ? loadTimeout : callerRemaining;
      Runnable stopTimer = timer.schedule(() -> outcome.complete(Outcome.DEADLINE), limit);
      outcome.whenComplete((o, failure) -> stopTimer.run());
      work.whenComplete((done, failure) -> outcome.complete(Outcome.DONE));
      return outcome;
    }

    /**
     * As {@link #until(CompletableFuture, Duration)}, and once {@code work} completed, until
     * {@code settled} holds, asked every {@code every} on the timer (a short check of local
     * state; no thread waits in between).
     */
    public CompletableFuture<Outcome> until(CompletableFuture<?> work, BooleanSupplier settled,
        Duration every, Duration callerRemaining) {
      CompletableFuture<Void> checked = new CompletableFuture<>();
      work.whenComplete((done, failure) -> check(settled, every, checked));
      return until(checked, callerRemaining);
    }

    private void check(BooleanSupplier settled, Duration every, CompletableFuture<Void> checked) {
      if (outcome.isDone()) {
        return;
      }
      boolean holds;
      try {
        holds = settled.getAsBoolean();
      } catch (RuntimeException e) {
        holds = true; // the answer will say what is wrong
      }
      if (holds) {
        checked.complete(null);
      } else {
        timer.schedule(() -> check(settled, every, checked), every);
      }
    }

    /** The caller gave up: the wait ends now and its place is free; no answer is made. */
    public void cancel() {
      outcome.cancel(false);
    }

    /** How long the wait ran by the clock (for messages). */
    public Duration elapsed() {
      return Duration.ofMillis(Math.max(0, clock.millis() - startedMillis));
    }

    /** The longest this wait may last (set by {@link #until}). */
    public Duration limit() {
      return limit;
    }

    private void close() {
      if (open.compareAndSet(true, false)) {
        waiting.decrementAndGet();
      }
    }
  }

  /**
   * Takes a place for one waiting call.
   *
   * @throws OverloadedException when {@code max} calls already wait
   */
  public Wait enter() {
    while (true) {
      int n = waiting.get();
      if (n >= max) {
        throw new OverloadedException(max + " management calls already wait for loads (sync);"
            + " retry shortly, or call without sync and poll the status", Admission.RETRY_AFTER);
      }
      if (waiting.compareAndSet(n, n + 1)) {
        return new Wait();
      }
    }
  }

  /** Calls waiting now. */
  public int waiting() {
    return waiting.get();
  }

  public void setMax(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("sync waits must be >= 1: " + max);
    }
    this.max = max;
  }

  public int max() {
    return max;
  }
}
