package io.densemesh.cache;

import io.densemesh.errors.FatalErrors;
import io.densemesh.placement.EvictionPolicy;
import io.densemesh.runtime.LoadedModel;
import io.densemesh.runtime.ModelRuntime;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.error.CapacityExhaustedException;
import io.densemesh.runtime.error.DeadlineExceededException;
import io.densemesh.runtime.error.MeshException;
import io.densemesh.runtime.error.ModelLoadException;
import io.densemesh.runtime.error.OverloadedException;
import io.densemesh.runtime.error.UnavailableException;
import io.densemesh.runtime.storage.ModelStorage;
import io.densemesh.runtime.storage.StagedArtifact;
import io.densemesh.units.ByteSizes;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models resident on this node.
 *
 * <p>Design: entries live in a concurrent map; the first request for a model that is not resident
 * creates its entry and starts the load on a bounded pool ({@code loadingSlots} threads); every
 * request for that model meanwhile waits on the same future (single flight). The memory budget is
 * charged under one lock: a load first reserves a prediction of its size (its own earlier
 * measurement; else what models of the same type and similar file size measured, from a
 * {@link io.densemesh.placement.SizePredictor}; else the runtime's conservative estimate) (evicting
 * what the {@link EvictionPolicy} chooses, only the deficit, never a model with a lease), then the
 * charge is corrected to the size the runtime measured. A model whose files alone exceed the whole
 * capacity, or whose measured size does, fails without evicting anything for it.
 *
 * <p>GPU memory is a second budget, charged the same way from {@link LoadedModel#gpuBytes()}
 * (a remembered measurement is reserved before a reload): eviction runs until both budgets fit,
 * choosing among all copies for a host deficit and among GPU-holding copies for a GPU deficit. A
 * model whose GPU size exceeds the whole GPU capacity fails without evicting; one that does not
 * fit beside copies in use fails with capacity exhausted (GPU memory cannot be over-committed).
 *
 * <p>A failed load is remembered for {@code failureBackoff}; requests in that window fail fast
 * with the reason instead of reloading. All time comes from the injected clock.
 *
 * <p>Admission: at most {@link #setMaxWaitersPerModel} callers wait for one model's load and at
 * most {@link #setMaxQueuedLoads} loads wait for a loading slot; beyond either a caller is
 * refused at once ({@link OverloadedException}). Callers may wait without a thread
 * ({@link #whenLoaded}). A load that only requests asked for and that has not started yet is
 * dropped when its last waiter leaves (timed out, cancelled): nobody would use it. A load that
 * has started runs to its end (a runtime cannot be interrupted half-way safely).
 *
 * <p>This class is the facade: the budgets are kept by {@link MemoryAccountant}, victims chosen
 * and retired by {@link CopyEvictor}, failures remembered by {@link FailureMemory}, loads queued
 * and run by {@link LoadQueue}, reservations predicted by {@link SizeMemory}, and each model's
 * waiters and leases counted by {@link CacheEntry}; what stays here is single-flight entry
 * creation, waiting, and the load's steps.
 */
public final class ModelCache implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ModelCache.class);

  /** Refusal reason: too many callers already wait for this model's load. */
  public static final String WAITING_FOR_MODEL = "waiting_for_model";
  /** Refusal reason: too many loads already wait for a loading slot. */
  public static final String LOAD_QUEUE = "load_queue";
  /** What a caller refused here is told to wait before a retry. */
  static final Duration RETRY_AFTER = Duration.ofSeconds(1);

  private final Map<String, CacheEntry> entries = new ConcurrentHashMap<>();
  private final SizeMemory sizes = new SizeMemory();
  private final FailureMemory failures;
  private final RuntimeRegistry runtimes;
  private final ModelStorage artifacts;
  private final CacheListener listener;
  private final Clock clock;
  private final MemoryAccountant budget;
  private final CopyEvictor evictor;
  private final LoadQueue loaders;
  private volatile boolean closed;
  private volatile int maxWaitersPerModel = Integer.MAX_VALUE;

  public ModelCache(
      RuntimeRegistry runtimes,
      ModelStorage artifacts,
      EvictionPolicy eviction,
      CacheListener listener,
      Clock clock,
      long capacityBytes,
      int loadingSlots,
      Duration failureBackoff) {
    this(runtimes, artifacts, eviction, listener, clock, capacityBytes, 0, loadingSlots,
        failureBackoff);
  }

  /** @param gpuCapacityBytes GPU memory budget; 0 on a node whose runtimes use no GPU */
  public ModelCache(
      RuntimeRegistry runtimes,
      ModelStorage artifacts,
      EvictionPolicy eviction,
      CacheListener listener,
      Clock clock,
      long capacityBytes,
      long gpuCapacityBytes,
      int loadingSlots,
      Duration failureBackoff) {
    this.budget = new MemoryAccountant(capacityBytes, gpuCapacityBytes);
    this.evictor = new CopyEvictor(entries, eviction, clock);
    this.runtimes = runtimes;
    this.artifacts = artifacts;
    this.listener = listener;
    this.clock = clock;
    this.failures = new FailureMemory(clock, failureBackoff);
    this.loaders = new LoadQueue(loadingSlots);
  }

  /**
   * Returns a lease on the loaded model, loading it first if needed and waiting at most
   * {@code timeout} for that.
   *
   * @throws ModelLoadException the load failed (now or within the failure backoff)
   * @throws CapacityExhaustedException no room can be made now
   * @throws DeadlineExceededException the load did not finish in time (it continues)
   */
  public ModelLease acquire(ModelSpec spec, Duration timeout) {
    while (true) {
      boolean[] created = new boolean[1];
      CacheEntry entry = entryFor(spec, created, true);
      if (!entry.retain()) {
        entries.remove(spec.modelId(), entry);
        continue;
      }
      boolean hit = !created[0] && entry.ready.isDone();
      try {
        LoadedModel model = awaitAsWaiter(entry, timeout);
        entry.touch(clock.millis());
        if (hit) {
          listener.hit(spec.modelId());
        }
        return new ModelLease(this, entry, model, hit);
      } catch (RuntimeException e) {
        release(entry);
        if (e == entry.dropNotice) {
          continue; // joined a load just as its last other waiter left: start afresh
        }
        throw e;
      }
    }
  }

  /** Waits for the entry's load as one of its (bounded) waiters. */
  private LoadedModel awaitAsWaiter(CacheEntry entry, Duration timeout) {
    if (entry.ready.isDone()) {
      return await(entry, timeout);
    }
    if (!entry.enterWait(maxWaitersPerModel)) {
      throw tooManyWaiters(entry);
    }
    try {
      return await(entry, timeout);
    } finally {
      leaveWait(entry);
    }
  }

  /**
   * Completes when the model is loaded here, starting its load if needed, without holding a
   * thread meanwhile: for front ends that serve the request once it completes. The caller counts
   * as one of the model's waiters until the future completes; cancelling it (the caller gave up)
   * leaves at once, and may drop a load nobody else waits for.
   *
   * @throws OverloadedException too many callers wait for this model, or loads for a slot
   * @throws ModelLoadException the model failed to load within the failure backoff
   */
  public CompletableFuture<Void> whenLoaded(ModelSpec spec) {
    CacheEntry entry = entryFor(spec, new boolean[1], true);
    if (entry.ready.isDone() && !entry.dropped()) {
      return settled(entry);
    }
    if (!entry.enterWait(maxWaitersPerModel)) {
      throw tooManyWaiters(entry);
    }
    CompletableFuture<Void> waiter = new CompletableFuture<>();
    entry.asyncWaiters.add(waiter);
    waiter.whenComplete((done, failure) -> {
      if (entry.asyncWaiters.remove(waiter)) {
        leaveWait(entry);
      }
    });
    if (entry.ready.isDone()) { // completed before this waiter was in the set
      settle(entry, waiter);
    }
    return waiter;
  }

  /** Completes every thread-less waiter of an entry whose load finished (or was dropped). */
  private void settleWaiters(CacheEntry entry) {
    for (CompletableFuture<Void> waiter : List.copyOf(entry.asyncWaiters)) {
      settle(entry, waiter);
    }
  }

  private void settle(CacheEntry entry, CompletableFuture<Void> waiter) {
    if (entry.dropped() && !waiter.isDone()) {
      // Joined just as the last other waiter left: wait on a fresh load instead.
      entry.asyncWaiters.remove(waiter);
      try {
        whenLoaded(entry.spec).whenComplete((done, failure) -> {
          if (failure == null) {
            waiter.complete(null);
          } else {
            waiter.completeExceptionally(failure);
          }
        });
      } catch (RuntimeException e) {
        waiter.completeExceptionally(e);
      }
      return;
    }
    settled(entry).whenComplete((done, failure) -> {
      if (failure == null) {
        waiter.complete(null);
      } else {
        waiter.completeExceptionally(failure);
      }
    });
  }

  /** A finished entry's outcome as the callers see it (errors mapped like {@link #acquire}). */
  private CompletableFuture<Void> settled(CacheEntry entry) {
    if (!entry.ready.isCompletedExceptionally()) {
      return CompletableFuture.completedFuture(null);
    }
    try {
      await(entry, Duration.ofMillis(1));
      return CompletableFuture.completedFuture(null);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** One waiter leaves; the last one of a load that has not started drops it. */
  private void leaveWait(CacheEntry entry) {
    if (!entry.leaveWait()) {
      return;
    }
    String id = entry.modelId();
    entries.remove(id, entry);
    loaders.withdraw(entry.loadTask);
    entry.stateChanged(clock.millis());
    entry.dropNotice = new UnavailableException(
        "the load of '" + id + "' was dropped: every caller left before it started");
    entry.ready.completeExceptionally(entry.dropNotice);
    log.debug("dropped the queued load of {}: nobody waits for it", id);
    listener.loadDropped(id);
  }

  private OverloadedException tooManyWaiters(CacheEntry entry) {
    listener.refused(entry.modelId(), WAITING_FOR_MODEL);
    return new OverloadedException(maxWaitersPerModel + " requests already wait for model '"
        + entry.modelId() + "' to load; retry shortly", RETRY_AFTER);
  }

  /** At most this many callers wait for one model's load (live setting). */
  public void setMaxWaitersPerModel(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("waiters per model must be >= 1: " + max);
    }
    this.maxWaitersPerModel = max;
  }

  /** At most this many loads wait for a loading slot (live setting). */
  public void setMaxQueuedLoads(int max) {
    loaders.setMaxQueued(max);
  }

  /** Callers waiting for the model's load now (0 when it is loaded or absent). */
  public int waiters(String modelId) {
    CacheEntry entry = entries.get(modelId);
    return entry == null ? 0 : entry.waiters();
  }

  /** Loads waiting for a loading slot now. */
  public int queuedLoads() {
    return loaders.queued();
  }

  /** Starts loading the model if it is neither resident nor loading; returns its load future. */
  public CompletableFuture<LoadedModel> ensureLoading(ModelSpec spec) {
    return entryFor(spec, new boolean[1], false).ready;
  }

  /** Waits for a started load to finish; for the management API's {@code sync} calls. */
  public void awaitLoaded(ModelSpec spec, Duration timeout) {
    try (ModelLease lease = acquire(spec, timeout)) {
      lease.model();
    }
  }

  /**
   * The model's entry, created (its load queued) when there is none.
   *
   * @param onDemand true for a request (the load may be dropped when all its waiters leave),
   *     false for the management API or the mesh (the copy loads anyway)
   */
  private CacheEntry entryFor(ModelSpec spec, boolean[] created, boolean onDemand) {
    if (closed) {
      throw new UnavailableException("node is shutting down");
    }
    String id = spec.modelId();
    CacheEntry existing = entries.get(id);
    if (existing != null && existing.spec.equals(spec)) {
      if (!onDemand) {
        existing.keep();
      }
      return existing;
    }
    Optional<FailureMemory.Failure> failure = failures.of(spec);
    if (failure.isPresent()) {
      throw new ModelLoadException(failure.get().reason());
    }
    if (existing != null) {
      // Registered anew with other info since this copy loaded: the old copy must go.
      unload(id);
    }
    CacheEntry fresh = new CacheEntry(spec, clock.millis(), onDemand);
    CacheEntry raced = entries.putIfAbsent(id, fresh);
    if (raced != null) {
      if (!onDemand) {
        raced.keep();
      }
      return raced;
    }
    if (!loaders.admit()) {
      entries.remove(id, fresh);
      OverloadedException refused = new OverloadedException(loaders.maxQueued()
          + " loads already wait for a loading slot on this node; retry shortly", RETRY_AFTER);
      fresh.ready.completeExceptionally(refused); // for anyone who found it meanwhile
      listener.refused(id, LOAD_QUEUE);
      throw refused;
    }
    created[0] = true;
    fresh.ready.whenComplete((model, error) -> settleWaiters(fresh));
    Runnable task = () -> load(fresh);
    fresh.loadTask = task;
    listener.miss(id);
    if (!loaders.submit(task)) {
      entries.remove(id, fresh);
      fresh.ready.completeExceptionally(new UnavailableException("node is shutting down"));
      throw new UnavailableException("node is shutting down");
    }
    return fresh;
  }

  private LoadedModel await(CacheEntry entry, Duration timeout) {
    try {
      return entry.ready.get(Math.max(1, timeout.toNanos()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new DeadlineExceededException(
          "model '" + entry.modelId() + "' did not finish loading within " + timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted while waiting for model " + entry.modelId());
    } catch (ExecutionException e) {
      if (e.getCause() instanceof MeshException mesh) {
        throw mesh;
      }
      throw new ModelLoadException(
          "loading '" + entry.modelId() + "' failed: " + e.getCause(), e.getCause());
    }
  }

  private void load(CacheEntry entry) {
    if (!entry.start()) {
      return; // dropped while queued: every caller left
    }
    loaders.started();
    String id = entry.modelId();
    LoadedModel model = null;
    StagedArtifact staged = null;
    try {
      ModelRuntime runtime = runtimes.forType(entry.spec.type());
      staged = artifacts.fetch(entry.spec); // held (not evictable from disk) until loaded
      Path artifact = staged.path();
      long onDisk = staged.sizeBytes();
      long capacityBytes = budget.capacityBytes();
      long gpuCapacityBytes = budget.gpuCapacityBytes();
      if (onDisk > capacityBytes) {
        throw new ModelLoadException(
            "model '" + id + "' needs at least " + ByteSizes.format(onDisk)
                + ", more than this node's whole capacity of " + ByteSizes.format(capacityBytes));
      }
      long predicted =
          sizes.predictBytes(entry.spec, onDisk, () -> runtime.predictSize(entry.spec, artifact));
      reserve(entry, predicted <= capacityBytes ? predicted : onDisk, sizes.predictGpuBytes(id));
      model = runtime.load(entry.spec, artifact);
      long measured = model.sizeBytes();
      if (measured > capacityBytes) {
        throw new ModelLoadException(
            "model '" + id + "' measures " + ByteSizes.format(measured)
                + " loaded, more than this node's whole capacity of "
                + ByteSizes.format(capacityBytes));
      }
      long gpu = model.gpuBytes();
      if (gpu > gpuCapacityBytes) {
        throw new ModelLoadException(
            "model '" + id + "' measures " + ByteSizes.format(gpu) + " of GPU memory loaded, more"
                + " than this node's whole GPU capacity of " + ByteSizes.format(gpuCapacityBytes));
      }
      sizes.observe(entry.spec, onDisk, measured, gpu);
      recharge(entry, measured, gpu);
      entry.stateChanged(clock.millis());
      entry.ready.complete(model);
      log.debug("loaded {} in {} ms, {} resident ({} on disk)", id, model.loadMillis(),
          ByteSizes.format(measured), ByteSizes.format(onDisk));
      listener.loaded(id, measured, model.loadMillis());
      if (entry.unloadWhenIdle || closed) {
        unloadEntry(entry);
      }
    } catch (Throwable t) {
      if (model != null) {
        closeQuietly(id, model);
      }
      uncharge(entry);
      entries.remove(id, entry);
      entry.stateChanged(clock.millis());
      if (t instanceof ModelLoadException) {
        failures.remember(entry.spec, t.getMessage());
        log.warn("loading {} failed: {}", id, t.getMessage());
        listener.loadFailed(id, t.getMessage());
      }
      entry.ready.completeExceptionally(t);
      if (t instanceof Error fatal) {
        FatalErrors.exit(fatal);
      }
    } finally {
      if (staged != null) {
        staged.close();
      }
    }
  }

  /** Charges a load's bytes, evicting the policy's victims when over either budget. */
  private void reserve(CacheEntry entry, long bytes, long gpuBytes) {
    CopyEvictor.Round round = evictor.forLoad(entry.modelId());
    try {
      budget.reserve(entry.charge, bytes, gpuBytes, round);
    } finally {
      round.retired().forEach(v -> closeRetired(v, true));
    }
  }

  /** Corrects a reservation to the measured sizes (see {@link MemoryAccountant#recharge}). */
  private void recharge(CacheEntry entry, long measured, long measuredGpu) {
    CopyEvictor.Round round = evictor.forLoad(entry.modelId());
    try {
      budget.recharge(entry.charge, measured, measuredGpu, round);
    } finally {
      round.retired().forEach(v -> closeRetired(v, true));
    }
  }

  private void uncharge(CacheEntry entry) {
    budget.release(entry.charge);
  }

  void release(CacheEntry entry) {
    if (entry.release() && entry.unloadWhenIdle) {
      unloadEntry(entry);
    }
  }

  /** Unloads the model (e.g. it was unregistered): now if idle, else when its last lease ends. */
  public void unload(String modelId) {
    failures.forget(modelId);
    sizes.forget(modelId);
    CacheEntry entry = entries.remove(modelId);
    if (entry != null) {
      entry.unloadWhenIdle = true;
      if (entry.ready.isDone()) {
        unloadEntry(entry);
      }
    }
  }

  private void unloadEntry(CacheEntry entry) {
    if (entry.loadedOrNull() == null || !entry.tryRetire()) {
      return;
    }
    entries.remove(entry.modelId(), entry);
    uncharge(entry);
    closeRetired(entry, false);
  }

  private void closeRetired(CacheEntry entry, boolean evicted) {
    LoadedModel model = entry.loadedOrNull();
    if (model != null) {
      closeQuietly(entry.modelId(), model);
      log.debug("{} {}", evicted ? "evicted" : "unloaded", entry.modelId());
      listener.unloaded(entry.modelId(), evicted, clock.millis() - entry.sinceMillis());
    }
  }

  private static void closeQuietly(String id, LoadedModel model) {
    try {
      model.close();
    } catch (RuntimeException e) {
      log.warn("closing {} failed: {}", id, e.getMessage());
    }
  }

  /** The local copy's state, if there is one or a remembered failure. */
  public Optional<CopyState> copyState(String modelId) {
    CacheEntry entry = entries.get(modelId);
    if (entry != null && !entry.retired()) {
      LoadedModel model = entry.loadedOrNull();
      return Optional.of(
          model != null
              ? new CopyState(CopyState.Phase.LOADED, entry.sinceMillis(), entry.charge.bytes(), "",
                  model.loadMillis(), entry.charge.gpuBytes())
              : new CopyState(CopyState.Phase.LOADING, entry.sinceMillis(), 0, "", 0));
    }
    return failures.of(modelId).map(failure -> new CopyState(CopyState.Phase.FAILED,
        failure.atMillis(), 0, failure.reason(), 0));
  }

  /** Whether the model is resident and can serve right now. */
  public boolean isLoaded(String modelId) {
    CacheEntry entry = entries.get(modelId);
    return entry != null && !entry.retired() && entry.loadedOrNull() != null;
  }

  public long capacityBytes() {
    return budget.capacityBytes();
  }

  public long usedBytes() {
    return budget.usedBytes();
  }

  /** GPU memory budget; 0 on a node whose runtimes use no GPU. */
  public long gpuCapacityBytes() {
    return budget.gpuCapacityBytes();
  }

  /** GPU memory charged to resident and loading copies. */
  public long gpuUsedBytes() {
    return budget.gpuUsedBytes();
  }

  public int loadedCount() {
    int n = 0;
    for (CacheEntry e : entries.values()) {
      if (e.loadedOrNull() != null && !e.retired()) {
        n++;
      }
    }
    return n;
  }

  /**
   * Replaces how host-memory victims are chosen (per-tenant quotas); null restores the eviction
   * policy alone.
   */
  public void setVictimPlanner(VictimPlanner planner) {
    evictor.setVictimPlanner(planner);
  }

  /** Swaps the eviction policy (live placement config); the next eviction uses it. */
  public void setEvictionPolicy(EvictionPolicy policy) {
    evictor.setEvictionPolicy(policy);
  }

  /** Marks copies eviction must keep (e.g. the mesh's last copies of a model with min copies). */
  public void setProtection(java.util.function.Predicate<String> isProtected) {
    evictor.setProtection(isProtected);
  }

  /** Keeps {@code fraction} of the capacity free (0 to 0.9); takes effect at the next load. */
  public void setHeadroomFraction(double fraction) {
    budget.setHeadroomFraction(fraction);
  }

  /** Changes how many loads run at once (1..256). */
  public void setLoadingSlots(int slots) {
    loaders.setSlots(slots);
  }

  public int loadingSlots() {
    return loaders.slots();
  }

  /** The state of every local copy (loading or loaded), by model id. */
  public Map<String, CopyState> copies() {
    Map<String, CopyState> all = new java.util.HashMap<>();
    for (CacheEntry e : entries.values()) {
      if (e.retired()) {
        continue;
      }
      LoadedModel m = e.loadedOrNull();
      all.put(e.modelId(), m != null
          ? new CopyState(CopyState.Phase.LOADED, e.sinceMillis(), e.charge.bytes(), "",
              m.loadMillis(), e.charge.gpuBytes())
          : new CopyState(CopyState.Phase.LOADING, e.sinceMillis(), 0, "", 0));
    }
    return all;
  }

  /** Last use of the local copy, 0 when there is none. */
  public long lastUsedMillis(String modelId) {
    CacheEntry entry = entries.get(modelId);
    return entry == null ? 0 : entry.lastUsedMillis();
  }

  /** Loads running or queued. */
  public int loadsInProgress() {
    int n = 0;
    for (CacheEntry e : entries.values()) {
      if (!e.ready.isDone()) {
        n++;
      }
    }
    return n;
  }

  /** Requests holding a lease now. */
  public int inFlight() {
    int n = 0;
    for (CacheEntry e : entries.values()) {
      n += Math.max(0, e.users());
    }
    return n;
  }

  /** Last use of the least recently used loaded copy, 0 when none is loaded. */
  public long oldestUseMillis() {
    long oldest = Long.MAX_VALUE;
    for (CacheEntry e : entries.values()) {
      if (e.loadedOrNull() != null && !e.retired()) {
        oldest = Math.min(oldest, e.lastUsedMillis());
      }
    }
    return oldest == Long.MAX_VALUE ? 0 : oldest;
  }

  /** Stops loading and unloads every model (waiting briefly for running requests). */
  @Override
  public void close() {
    closed = true;
    loaders.shutdownNow();
    for (CacheEntry entry : List.copyOf(entries.values())) {
      entry.unloadWhenIdle = true;
      unloadEntry(entry);
    }
  }
}
