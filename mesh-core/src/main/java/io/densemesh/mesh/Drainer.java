package io.densemesh.mesh;

import io.densemesh.api.registry.CopyRecord;
import io.densemesh.api.registry.ModelRecord;
import io.densemesh.cache.CopyState;
import io.densemesh.cache.ModelCache;
import io.densemesh.registry.MeshView;
import io.densemesh.registry.Registry;
import io.densemesh.registry.Versioned;
import io.densemesh.serving.ModelResolver;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Graceful drain: the node marks itself draining (placement stops choosing it), keeps serving,
 * and for each model it holds the only copy of that was used recently (or that must keep a
 * minimum of copies), loads a copy on another node and waits until that copy is LOADED, bounded
 * by the drain timeout. Then the node may stop; requests for those models find the new copies.
 */
public final class Drainer {

  private static final Logger log = LoggerFactory.getLogger(Drainer.class);

  /** Copies used within this window count as in use and are moved. */
  static final Duration RECENT_USE = Duration.ofMinutes(10);

  private final String self;
  private final ModelCache cache;
  private final Registry registry;
  private final CopyLoader loader;
  private final MeshEvents events;
  private final SelfPublisher publisher;
  private final Clock clock;
  private final AtomicBoolean draining = new AtomicBoolean();

  public Drainer(String self, ModelCache cache, Registry registry, CopyLoader loader,
      MeshEvents events, SelfPublisher publisher, Clock clock) {
    this.self = self;
    this.cache = cache;
    this.registry = registry;
    this.loader = loader;
    this.events = events;
    this.publisher = publisher;
    this.clock = clock;
  }

  public boolean draining() {
    return draining.get();
  }

  /** Drains within {@code timeout}; returns how many models were moved. */
  public int drain(Duration timeout) {
    if (!draining.compareAndSet(false, true)) {
      return 0;
    }
    publisher.reconcileNow(); // publish draining=true
    MeshView view = registry.view();
    if (view.instances().keySet().stream().allMatch(self::equals)) {
      return 0; // nowhere to move to
    }
    List<CompletableFuture<MeshView>> moved = new ArrayList<>();
    long recent = clock.millis() - RECENT_USE.toMillis();
    for (Map.Entry<String, CopyState> e : cache.copies().entrySet()) {
      String id = e.getKey();
      if (e.getValue().phase() != CopyState.Phase.LOADED) {
        continue;
      }
      boolean elsewhere = view.loadedOn(id).stream().anyMatch(i -> !i.equals(self));
      Optional<Versioned<ModelRecord>> record = registry.model(id);
      if (elsewhere || record.isEmpty()) {
        continue;
      }
      boolean wanted = cache.lastUsedMillis(id) >= recent
          || record.get().value().getMinCopies() > 0;
      if (!wanted) {
        continue;
      }
      try {
        if (loader.addCopy(ModelResolver.specOf(record.get().value()), Set.of(self))) {
          moved.add(events.when(v -> v.copiesOf(id).values().stream().anyMatch(c ->
              !c.getInstanceId().equals(self) && c.getState() == CopyRecord.State.LOADED),
              timeout));
        }
      } catch (RuntimeException ex) {
        log.warn("drain: cannot move {}: {}", id, ex.getMessage());
      }
    }
    try {
      CompletableFuture.allOf(moved.toArray(CompletableFuture[]::new))
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      log.info("drain: {} model(s) now have a copy elsewhere", moved.size());
    } catch (Exception e) {
      long done = moved.stream().filter(CompletableFuture::isDone).count();
      log.warn("drain: {} of {} model(s) moved within {}", done, moved.size(), timeout);
    }
    return moved.size();
  }
}
