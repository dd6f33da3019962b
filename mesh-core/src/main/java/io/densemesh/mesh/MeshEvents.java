package io.densemesh.mesh;

import io.densemesh.registry.MeshView;
import io.densemesh.registry.Registry;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * Futures that complete when the registry view satisfies a condition (a copy became LOADED
 * somewhere, say), checked after each view change rather than by polling.
 */
public final class MeshEvents {

  private record Waiter(Predicate<MeshView> condition, CompletableFuture<MeshView> done) {}

  private final Registry registry;
  private final List<Waiter> waiters = new CopyOnWriteArrayList<>();

  public MeshEvents(Registry registry) {
    this.registry = registry;
    registry.addListener(this::check);
  }

  /**
   * Completes (on the registry's notifier thread) once {@code condition} holds, or
   * exceptionally if the condition throws. Waiting is bounded by the caller ({@code get} with a
   * timeout); a future the caller cancels stops being checked.
   */
  public CompletableFuture<MeshView> when(Predicate<MeshView> condition) {
    Waiter waiter = new Waiter(condition, new CompletableFuture<>());
    waiters.add(waiter);
    check(); // it may hold already
    waiter.done.whenComplete((v, e) -> waiters.remove(waiter));
    return waiter.done;
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
