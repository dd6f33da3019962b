package io.densemesh.mesh;

import io.densemesh.registry.MeshView;
import io.densemesh.registry.Registry;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Futures that complete when the registry view satisfies a condition (a copy became LOADED
 * somewhere, say), checked after each view change rather than by polling.
 *
 * <p>Every wait has a deadline: at it the future fails with {@link
 * java.util.concurrent.TimeoutException} and the waiter is gone, so waits that never succeed
 * (a load nobody finishes, a caller that gave up) cannot pile up. Cancelling also ends a wait.
 */
public final class MeshEvents {

  private record Waiter(Predicate<MeshView> condition, CompletableFuture<MeshView> done) {}

  private final Registry registry;
  private final Set<Waiter> waiters = ConcurrentHashMap.newKeySet();

  public MeshEvents(Registry registry) {
    this.registry = registry;
    registry.addListener(this::check);
  }

  /**
   * Completes (on the registry's notifier thread) once {@code condition} holds; exceptionally
   * if the condition throws, or with a TimeoutException after {@code timeout}.
   */
  public CompletableFuture<MeshView> when(Predicate<MeshView> condition, Duration timeout) {
    Waiter waiter = new Waiter(condition, new CompletableFuture<>());
    waiters.add(waiter);
    waiter.done.whenComplete((v, e) -> waiters.remove(waiter));
    waiter.done.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    check(); // it may hold already
    return waiter.done;
  }

  /** Waits in progress. */
  public int waiting() {
    return waiters.size();
  }

  private void check() {
    MeshView view = registry.view();
    for (Waiter w : waiters) {
      if (w.done.isDone()) {
        continue;
      }
      try {
        if (w.condition.test(view)) {
          w.done.complete(view);
        }
      } catch (RuntimeException e) {
        w.done.completeExceptionally(e); // its own failure; the other waiters are still checked
      }
    }
  }
}
