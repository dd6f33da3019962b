package io.densemesh.mesh;

import io.densemesh.api.registry.CopyRecord;
import io.densemesh.api.registry.InstanceRecord;
import io.densemesh.api.registry.LoadFailure;
import io.densemesh.api.registry.ModelRecord;
import io.densemesh.cache.CacheListener;
import io.densemesh.cache.CopyState;
import io.densemesh.cache.ModelCache;
import io.densemesh.registry.MeshView;
import io.densemesh.registry.Registry;
import io.densemesh.registry.Versioned;
import io.densemesh.runtime.error.MeshException;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's live records in the registry equal to the truth of its model cache, by
 * reconciling rather than by firing one write per event: after any cache event (coalesced) and
 * once a second, it compares what the cache holds with what the registry view says about this
 * node, and writes only the differences. The same pass republishes everything after the
 * registry lost this node's lease, releases first-load claims once their copy is published,
 * unloads copies of models no longer registered, and records load failures on the model.
 * Nothing here runs on the request path; while the registry is unreachable it retries each
 * second.
 */
public final class SelfPublisher implements CacheListener, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SelfPublisher.class);
  private static final int MAX_FAILURE_RECORDS = 5;
  static final long PUBLISH_FLOOR_MILLIS = 1000;
  static final long REFRESH_MILLIS = 10_000;

  private final String self;
  private final Registry registry;
  private final ModelCache cache;
  private final Clock clock;
  private final Supplier<InstanceRecord.Builder> instance;
  private final ScheduledExecutorService executor;
  private final AtomicBoolean pending = new AtomicBoolean();
  private final Map<String, String> failuresToRecord = new java.util.concurrent.ConcurrentHashMap<>();
  private InstanceRecord published; // executor thread only
  private final Map<String, Long> orphanedClaims = new HashMap<>(); // executor thread only
  private long publishedAtMillis;
  private boolean warned;

  /**
   * @param instance builds this node's current instance record (address, capacity, usage...)
   */
  public SelfPublisher(String self, Registry registry, ModelCache cache, Clock clock,
      Supplier<InstanceRecord.Builder> instance) {
    this.self = self;
    this.registry = registry;
    this.cache = cache;
    this.clock = clock;
    this.instance = instance;
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "mesh-publisher");
      t.setDaemon(true);
      return t;
    });
  }

  public void start() {
    registry.addListener(this::soon);
    executor.scheduleWithFixedDelay(this::reconcile, 0, 1, TimeUnit.SECONDS);
  }

  /** Reconciles now and waits (bounded) for it; used when draining and in tests. */
  public void reconcileNow() {
    try {
      executor.submit(this::reconcile).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.debug("reconcile did not finish: {}", e.toString());
    }
  }

  private void soon() {
    if (pending.compareAndSet(false, true)) {
      try {
        executor.execute(this::reconcile);
      } catch (java.util.concurrent.RejectedExecutionException closed) {
        pending.set(false);
      }
    }
  }

  @Override
  public void miss(String modelId) {
    soon();
  }

  @Override
  public void loaded(String modelId, long sizeBytes, long loadMillis) {
    soon();
  }

  @Override
  public void loadFailed(String modelId, String reason) {
    failuresToRecord.put(modelId, reason);
    soon();
  }

  @Override
  public void unloaded(String modelId, boolean evicted, long residentMillis) {
    soon();
  }

  @Override
  public void loadDropped(String modelId) {
    soon(); // its LOADING copy record goes
  }

  private void reconcile() {
    pending.set(false);
    try {
      MeshView view = registry.view();
      publishInstance(view);
      Map<String, CopyState> local = cache.copies();
      publishCopies(local, view);
      releaseClaims(local, view);
      unloadUnregistered(local);
      recordFailures();
      if (warned) {
        log.info("registry reachable again; this node's records are up to date");
        warned = false;
      }
    } catch (MeshException e) {
      if (!warned) {
        log.warn("cannot publish this node's state ({}); retrying every second", e.getMessage());
        warned = true;
      }
    } catch (RuntimeException e) {
      log.warn("publishing this node's state failed", e);
    }
  }

  /**
   * Writes the instance record when it is missing, on a meaningful change (at most once per
   * {@link #PUBLISH_FLOOR_MILLIS}), and on any change once {@link #REFRESH_MILLIS} passed: an
   * idle node writes nothing, a busy one about once a second.
   */
  private void publishInstance(MeshView view) {
    InstanceRecord now = instance.get().setInstanceId(self).build();
    boolean missing = !view.instances().containsKey(self);
    long since = clock.millis() - publishedAtMillis;
    boolean due = since >= PUBLISH_FLOOR_MILLIS
        && (InstanceChanges.meaningful(published, now)
            || (since >= REFRESH_MILLIS && !now.equals(published)));
    // Starting to drain must reach placement at once (Drainer.drain publishes before it
    // chooses where copies go), without waiting for the floor interval.
    boolean drainingChanged = published != null && now.getDraining() != published.getDraining();
    if (missing || drainingChanged || due) {
      registry.putInstance(now);
      published = now;
      publishedAtMillis = clock.millis();
    }
  }

  private void publishCopies(Map<String, CopyState> local, MeshView view) {
    Map<String, CopyRecord> mine = new HashMap<>();
    view.copies().forEach((model, byInstance) -> {
      CopyRecord r = byInstance.get(self);
      if (r != null) {
        mine.put(model, r);
      }
    });
    for (Map.Entry<String, CopyState> e : local.entrySet()) {
      CopyState state = e.getValue();
      CopyRecord.State phase = state.phase() == CopyState.Phase.LOADED
          ? CopyRecord.State.LOADED : CopyRecord.State.LOADING;
      CopyRecord current = mine.remove(e.getKey());
      if (current == null && phase == CopyRecord.State.LOADING
          && self.equals(view.claims().get(e.getKey()))) {
        continue; // a first load: the claim already tells the mesh, one etcd write fewer
      }
      if (current == null || current.getState() != phase
          || current.getSizeBytes() != state.sizeBytes()
          || current.getGpuBytes() != state.gpuBytes()) {
        CopyRecord record = CopyRecord.newBuilder().setModelId(e.getKey()).setInstanceId(self)
            .setState(phase).setSince(state.sinceMillis()).setSizeBytes(state.sizeBytes())
            .setLoadMillis(state.loadMillis()).setGpuBytes(state.gpuBytes()).build();
        if (phase == CopyRecord.State.LOADED && self.equals(view.claims().get(e.getKey()))) {
          registry.putCopyReleasingClaim(record); // a first load finished: one write
        } else {
          registry.putCopy(record);
        }
      }
    }
    for (String gone : mine.keySet()) {
      registry.deleteCopy(gone, self);
    }
  }

  /**
   * Claims this node holds for models it no longer loads: released at once when the load
   * failed, else once seen orphaned for a second (a claim is taken just before its load starts,
   * so a fresh one may not have a local copy yet). Finished first loads release their claim together
   * with their LOADED record.
   */
  private void releaseClaims(Map<String, CopyState> local, MeshView view) {
    long now = clock.millis();
    orphanedClaims.keySet().retainAll(view.claims().keySet());
    view.claims().forEach((model, holder) -> {
      if (!holder.equals(self)) {
        return;
      }
      CopyState state = local.get(model);
      CopyRecord published = view.copiesOf(model).get(self);
      boolean loadedAndPublished = state != null && state.phase() == CopyState.Phase.LOADED
          && published != null && published.getState() == CopyRecord.State.LOADED;
      if (state != null && !loadedAndPublished) {
        orphanedClaims.remove(model);
        return;
      }
      long since = orphanedClaims.computeIfAbsent(model, m -> now);
      boolean failedHere = state == null && cache.copyState(model)
          .map(c -> c.phase() == CopyState.Phase.FAILED).orElse(false);
      if (loadedAndPublished || failedHere || now - since >= 1000) {
        registry.releaseClaim(model, self);
        orphanedClaims.remove(model);
      }
    });
  }

  private void unloadUnregistered(Map<String, CopyState> local) {
    for (String model : local.keySet()) {
      if (registry.model(model).isEmpty()) {
        log.info("model {} is no longer registered; unloading its copy", model);
        cache.unload(model);
      }
    }
  }

  private void recordFailures() {
    for (String model : List.copyOf(failuresToRecord.keySet())) {
      String reason = failuresToRecord.remove(model);
      for (int attempt = 0; attempt < 5; attempt++) {
        Optional<Versioned<ModelRecord>> current = registry.model(model);
        if (current.isEmpty()) {
          break;
        }
        ModelRecord.Builder next = current.get().value().toBuilder().clearFailures()
            .addFailures(LoadFailure.newBuilder().setInstanceId(self).setReason(reason)
                .setTime(clock.millis()));
        for (LoadFailure f : current.get().value().getFailuresList()) {
          if (!f.getInstanceId().equals(self)
              && next.getFailuresCount() < MAX_FAILURE_RECORDS) {
            next.addFailures(f);
          }
        }
        if (registry.putModel(next.build(), current.get().version()).isPresent()) {
          break;
        }
      }
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
