package io.densemesh.registry;

import com.google.protobuf.InvalidProtocolBufferException;
import io.densemesh.api.registry.CopyRecord;
import io.densemesh.api.registry.InstanceRecord;
import io.densemesh.api.registry.ModelRecord;
import io.densemesh.api.registry.VModelRecord;
import io.densemesh.runtime.error.UnavailableException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Txn;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.OptionsUtil;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry on etcd (jetcd), keys under a root prefix as DESIGN §3 lays them out:
 * {@code models/<id>}, {@code vmodels/<id>} and {@code config/<name>} persistent;
 * {@code instances/<id>}, {@code copies/<model>/<instance>}, {@code claims/<model>} and
 * {@code leader} bound to this session's lease ({@link EtcdSession}).
 *
 * <p>Live records and vmodels are mirrored: one range read per prefix plus one prefix watch
 * from the returned revision keep a mirror, changed only on a single serial executor, which
 * publishes an immutable {@link MeshView} after each batch. Model records are not mirrored (a
 * node's memory must not grow with the registered count): a bounded {@link RecordCache} holds
 * the ones this node read recently, filled by point reads on a miss and kept fresh by the same
 * watch; {@link #models(String, int)} pages through etcd. A write waits until the mirror has
 * applied its revision, so this node reads its own writes (a cached record is updated by then;
 * an uncached one is read from etcd). Racing writes are settled by etcd transactions: versions
 * are etcd mod revisions. When the watch fails (etcd compacted past it, or it was closed), the
 * mirror reloads and watches again, retrying until etcd answers; the reloaded state is built
 * aside and swapped in whole.
 *
 * <p>Model records are stored compactly: the id is the key's last segment and is not repeated
 * in the value.
 */
public final class EtcdRegistry implements Registry {

  private static final Logger log = LoggerFactory.getLogger(EtcdRegistry.class);

  private final EtcdSettings settings;
  private volatile Client client;
  private volatile KV kv;
  private final EtcdSession session;
  private final GroupCommit commits;
  private final java.util.concurrent.atomic.AtomicInteger failuresInARow =
      new java.util.concurrent.atomic.AtomicInteger();
  private volatile long lastReconnectNanos = System.nanoTime();
  private final String root;
  private final ByteSequence rootKey;
  private final Duration opTimeout;
  private final String endpoints;
  private final ExecutorService mirror;
  private final ChangeListeners listeners = new ChangeListeners();
  private final Object appliedMonitor = new Object();

  /** Skipped model changes remembered by id (see {@link RecordCache}). */
  private static final int SKIPPED_CHANGES = 16_384;

  private final RecordCache<ModelRecord> models;
  private final java.util.Set<String> prefetching = ConcurrentHashMap.newKeySet();
  private final java.util.concurrent.ThreadPoolExecutor prefetcher =
      new java.util.concurrent.ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
          new java.util.concurrent.ArrayBlockingQueue<>(4096), r -> {
            Thread t = new Thread(r, "registry-prefetch");
            t.setDaemon(true);
            return t;
          }, new java.util.concurrent.ThreadPoolExecutor.AbortPolicy());
  private final java.util.concurrent.atomic.AtomicLong modelCount =
      new java.util.concurrent.atomic.AtomicLong();
  private volatile Map<String, Versioned<VModelRecord>> vmodels = new ConcurrentHashMap<>();
  private MeshState live = new MeshState(); // mirror thread only
  private volatile MeshView view = MeshView.EMPTY;
  private long appliedRevision; // guarded by appliedMonitor
  private Watch.Watcher watcher; // mirror thread only
  private long generation; // mirror thread only
  private volatile boolean closed;

  private EtcdRegistry(EtcdSettings settings) {
    this.endpoints = String.join(",", settings.endpoints());
    this.root = settings.prefix();
    this.rootKey = bytes(root);
    this.opTimeout = settings.opTimeout();
    this.settings = settings;
    this.models = new RecordCache<>(settings.modelCacheBytes(), ModelRecord::getSerializedSize,
        SKIPPED_CHANGES, Runnable::run);
    this.client = newClient(settings);
    this.kv = client.getKVClient();
    this.mirror = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "registry-mirror");
      t.setDaemon(true);
      return t;
    });
    this.session = new EtcdSession(() -> client.getLeaseClient(), settings.leaseTtl(),
        opTimeout, this::unavailable, this::notifyListeners);
    this.commits = new GroupCommit(this::commitPuts, opTimeout.toMillis());
  }

  private static Client newClient(EtcdSettings settings) {
    return EtcdClients.build(settings);
  }

  /**
   * After several failed calls in a row, replaces the etcd client. A gRPC channel that failed
   * for a while backs off its reconnects (up to two minutes); a fresh client connects at once,
   * so the node is back as soon as etcd is.
   */
  private void noteFailure() {
    if (closed || failuresInARow.incrementAndGet() < 3
        || System.nanoTime() - lastReconnectNanos < TimeUnit.SECONDS.toNanos(5)) {
      return;
    }
    synchronized (this) {
      if (closed || System.nanoTime() - lastReconnectNanos < TimeUnit.SECONDS.toNanos(5)) {
        return;
      }
      lastReconnectNanos = System.nanoTime();
      failuresInARow.set(0);
      Client old = client;
      client = newClient(settings);
      kv = client.getKVClient();
      log.info("registry: reconnecting to etcd {} with a fresh client", endpoints);
      Thread closer = new Thread(old::close, "etcd-client-close");
      closer.setDaemon(true);
      closer.start();
      mirror.execute(() -> reload("the etcd client was replaced"));
    }
  }

  /**
   * Connects, loads the mirror and opens this node's lease.
   *
   * @throws UnavailableException when etcd does not answer within the settings' timeout
   */
  public static EtcdRegistry connect(EtcdSettings settings) {
    EtcdRegistry registry = new EtcdRegistry(settings);
    try {
      registry.await(registry.mirror.submit(registry::loadAndWatch));
      registry.session.open();
      log.info("registry: etcd {} under {}: {} models, {} vmodels, {} instances",
          registry.endpoints, registry.root, registry.modelCount.get(), registry.vmodels.size(),
          registry.view.instances().size());
      return registry;
    } catch (UnavailableException e) {
      registry.close();
      throw EtcdTlsProbe.diagnose(settings, (int) Math.min(5000, settings.opTimeout().toMillis()))
          .map(why -> new UnavailableException("registry (etcd " + registry.endpoints
              + ") is unavailable: " + why, e))
          .orElse(e);
    } catch (RuntimeException e) {
      registry.close();
      throw e;
    }
  }

  // ---- mirror -------------------------------------------------------------------------------

  /**
   * Mirror thread. One range read, then a watch from the next revision. The new state is built
   * aside and swapped in whole once complete: a reload (which happens exactly during etcd
   * trouble) never shows readers an empty or half-filled world, and when the range read fails
   * the previous state stays in place.
   */
  private void loadAndWatch() {
    List<Op> reads = new ArrayList<>();
    for (String prefix : List.of(Keys.VMODELS, Keys.INSTANCES, Keys.COPIES, Keys.CLAIMS,
        Keys.CONFIG)) {
      reads.add(Op.get(key(prefix), prefixOf(key(prefix)).build()));
    }
    reads.add(Op.get(key(Keys.LEADER), GetOption.DEFAULT));
    reads.add(Op.get(key(Keys.MODELS), prefixOf(key(Keys.MODELS)).withCountOnly(true).build()));
    TxnResponse all = txn(t -> t.Then(reads.toArray(Op[]::new)));
    Map<String, Versioned<VModelRecord>> freshVModels = new ConcurrentHashMap<>();
    MeshState fresh = new MeshState();
    List<GetResponse> got = all.getGetResponses();
    for (GetResponse range : got.subList(0, got.size() - 1)) {
      for (KeyValue entry : range.getKvs()) {
        applyPut(entry, fresh, freshVModels);
      }
    }
    long revision = all.getHeader().getRevision();
    this.vmodels = freshVModels;
    this.live = fresh;
    modelCount.set(got.get(got.size() - 1).getCount());
    List<String> cached = models.restartAt(revision);
    if (!cached.isEmpty()) {
      refresh(cached);
    }
    fresh.snapshot(revision).copies().keySet().forEach(this::prefetch);
    view = live.snapshot(revision);
    publish(revision, true);
    WatchOption option = WatchOption.builder().isPrefix(true).withRevision(revision + 1).build();
    long current = ++generation;
    watcher = client.getWatchClient().watch(rootKey, option,
        Watch.listener(
            response -> mirror.execute(() -> {
              if (current == generation) {
                apply(response);
              }
            }),
            error -> mirror.execute(() -> {
              if (current == generation) {
                reload("watch failed: " + error);
              }
            })));
  }

  private void apply(WatchResponse response) {
    long revision = 0;
    int changed = UNCHANGED;
    for (WatchEvent event : response.getEvents()) {
      KeyValue entry = event.getKeyValue();
      revision = Math.max(revision, entry.getModRevision());
      changed |= event.getEventType() == WatchEvent.EventType.DELETE
          ? applyDelete(entry)
          : applyPut(entry, live, vmodels);
    }
    if (revision > 0) {
      if ((changed & LIVE) != 0) {
        view = live.snapshot(revision);
      }
      publish(revision, changed != UNCHANGED);
    }
  }

  private static GetOption.Builder prefixOf(ByteSequence key) {
    return GetOption.builder().withRange(OptionsUtil.prefixEndOf(key));
  }

  /**
   * Mirror thread. Reloads everything and watches again; on failure retries every second until
   * etcd answers. A generation number makes callbacks of replaced watchers and superseded
   * retries no-ops.
   */
  private void reload(String why) {
    if (closed) {
      return;
    }
    log.warn("registry mirror reloading ({})", why);
    if (watcher != null) {
      watcher.close();
      watcher = null;
    }
    generation++;
    try {
      loadAndWatch();
      log.info("registry mirror reloaded at revision {}", view.revision());
    } catch (RuntimeException e) {
      long failed = generation;
      log.warn("reloading the registry mirror failed ({}); retrying in 1 s", e.getMessage());
      session.scheduler().schedule(() -> mirror.execute(() -> {
        if (failed == generation) {
          reload("retry");
        }
      }), 1, TimeUnit.SECONDS);
    }
  }

  /**
   * Reads a model's record into the cache in the background when a copy of it appears: a model
   * loaded anywhere in the mesh is one any node may have to route, also while etcd is away. So
   * the cache holds what is active mesh-wide (bounded by the mesh's copies), not what is
   * registered. Best effort: a full queue or an unreachable etcd just skips it.
   */
  private void prefetch(String modelId) {
    if (closed || models.get(modelId) != null || !prefetching.add(modelId)) {
      return;
    }
    try {
      prefetcher.execute(() -> {
        try {
          model(modelId);
        } catch (RuntimeException e) {
          log.debug("prefetching model record {} failed: {}", modelId, e.getMessage());
        } finally {
          prefetching.remove(modelId);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException full) {
      prefetching.remove(modelId);
    }
  }

  /**
   * After a reload: re-reads the cached model records in the background (changes made while the
   * watch was down were missed); until then readers keep the cached ones. Stops at the first
   * failure: the next reload starts over.
   */
  private void refresh(List<String> ids) {
    try {
      prefetcher.execute(() -> {
        for (String id : ids) {
          if (closed) {
            return;
          }
          try {
            GetResponse read = call(kv.get(key(Keys.MODELS + id)));
            long revision = read.getHeader().getRevision();
            if (read.getKvs().isEmpty()) {
              models.absent(id, revision);
            } else {
              KeyValue entry = read.getKvs().get(0);
              models.offer(id, new Versioned<>(ModelRecords.decodeOrThrow(id,
                  entry.getValue().getBytes()), entry.getModRevision()), revision);
            }
          } catch (RuntimeException e) {
            log.debug("refreshing cached model records stopped: {}", e.getMessage());
            return;
          }
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException full) {
      log.debug("model record refresh skipped: prefetch queue full");
    }
  }

  /** Reloads the mirror now and waits for it (tests: the path a failed watch takes). */
  void reloadNow(String why) {
    await(mirror.submit(() -> reload(why)));
  }

  private static final int UNCHANGED = 0;
  private static final int RECORD = 1;
  private static final int LIVE = 2;

  /** @return what changed: {@link #LIVE} (the view), {@link #RECORD} (a mirrored record) */
  private int applyPut(KeyValue entry, MeshState live,
      Map<String, Versioned<VModelRecord>> vmodels) {
    String key = string(entry.getKey()).substring(root.length());
    byte[] value = entry.getValue().getBytes();
    try {
      if (key.startsWith(Keys.MODELS)) {
        String id = key.substring(Keys.MODELS.length());
        if (entry.getVersion() == 1) {
          modelCount.incrementAndGet();
        }
        return models.put(id, entry.getModRevision(), () -> ModelRecords.decodeOrThrow(id, value))
            ? RECORD : UNCHANGED;
      } else if (key.startsWith(Keys.VMODELS)) {
        VModelRecord record = VModelRecord.parseFrom(value);
        vmodels.put(record.getVmodelId(), new Versioned<>(record, entry.getModRevision()));
        return RECORD;
      } else if (key.startsWith(Keys.INSTANCES)) {
        live.putInstance(InstanceRecord.parseFrom(value));
      } else if (key.startsWith(Keys.COPIES)) {
        CopyRecord copy = CopyRecord.parseFrom(value);
        live.putCopy(copy);
        prefetch(copy.getModelId());
      } else if (key.startsWith(Keys.CLAIMS)) {
        live.putClaim(key.substring(Keys.CLAIMS.length()), new String(value,
            StandardCharsets.UTF_8));
      } else if (key.startsWith(Keys.CONFIG)) {
        live.putSetting(key.substring(Keys.CONFIG.length()), new String(value,
            StandardCharsets.UTF_8));
      } else if (key.equals(Keys.LEADER)) {
        live.leader(new String(value, StandardCharsets.UTF_8));
      } else {
        return UNCHANGED;
      }
      return LIVE;
    } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
      log.warn("registry key {} holds an unreadable record; ignored: {}", key, e.getMessage());
      return UNCHANGED;
    }
  }

  private int applyDelete(KeyValue entry) {
    String key = string(entry.getKey()).substring(root.length());
    if (key.startsWith(Keys.MODELS)) {
      modelCount.decrementAndGet();
      return models.delete(key.substring(Keys.MODELS.length()), entry.getModRevision())
          ? RECORD : UNCHANGED;
    } else if (key.startsWith(Keys.VMODELS)) {
      vmodels.remove(key.substring(Keys.VMODELS.length()));
      return RECORD;
    } else if (key.startsWith(Keys.INSTANCES)) {
      live.removeInstance(key.substring(Keys.INSTANCES.length()));
    } else if (key.startsWith(Keys.COPIES)) {
      String rest = key.substring(Keys.COPIES.length());
      int slash = rest.lastIndexOf('/');
      if (slash <= 0) {
        return UNCHANGED;
      }
      live.removeCopy(rest.substring(0, slash), rest.substring(slash + 1));
    } else if (key.startsWith(Keys.CLAIMS)) {
      live.removeClaim(key.substring(Keys.CLAIMS.length()));
    } else if (key.startsWith(Keys.CONFIG)) {
      live.removeSetting(key.substring(Keys.CONFIG.length()));
    } else if (key.equals(Keys.LEADER)) {
      live.leader("");
    } else {
      return UNCHANGED;
    }
    return LIVE;
  }

  /** Marks {@code revision} applied (waking writers) and runs the listeners when it mattered. */
  private void publish(long revision, boolean changed) {
    synchronized (appliedMonitor) {
      appliedRevision = Math.max(appliedRevision, revision);
      appliedMonitor.notifyAll();
    }
    if (changed) {
      notifyListeners();
    }
  }

  private void notifyListeners() {
    listeners.fire();
  }

  /** Waits (bounded) until the mirror reflects {@code revision}: read-your-writes. */
  private void awaitApplied(long revision) {
    long deadline = System.nanoTime() + opTimeout.toNanos();
    synchronized (appliedMonitor) {
      while (appliedRevision < revision) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          log.warn("registry mirror lags: revision {} not seen within {}", revision, opTimeout);
          return;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(appliedMonitor, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  // ---- reads (mirror) -----------------------------------------------------------------------

  /**
   * From the cache, or (on a miss) one point read from etcd whose answer is cached when it is
   * provably current.
   *
   * @throws UnavailableException on a miss while etcd cannot be reached
   */
  @Override
  public Optional<Versioned<ModelRecord>> model(String modelId) {
    Versioned<ModelRecord> cached = models.get(modelId);
    if (cached != null) {
      return Optional.of(cached);
    }
    if (modelId == null || modelId.isEmpty()) {
      return Optional.empty();
    }
    GetResponse read = call(kv.get(key(Keys.MODELS + modelId)));
    if (read.getKvs().isEmpty()) {
      return Optional.empty();
    }
    KeyValue entry = read.getKvs().get(0);
    try {
      Versioned<ModelRecord> found = new Versioned<>(
          ModelRecords.decode(modelId, entry.getValue().getBytes()), entry.getModRevision());
      models.offer(modelId, found, read.getHeader().getRevision());
      return Optional.of(found);
    } catch (InvalidProtocolBufferException e) {
      log.warn("model record {} is unreadable; treated as absent: {}", modelId, e.getMessage());
      return Optional.empty();
    }
  }

  /** One range read of at most {@code limit} records; nothing is cached. */
  @Override
  public List<ModelRecord> models(String after, int limit) {
    if (limit <= 0) {
      return List.of();
    }
    ByteSequence prefix = key(Keys.MODELS);
    ByteSequence from = after == null || after.isEmpty() ? prefix
        : key(Keys.MODELS + after + "\0");
    GetResponse page = call(kv.get(from, prefixOf(prefix).withLimit(limit).build()));
    List<ModelRecord> out = new ArrayList<>(page.getKvs().size());
    int strip = root.length() + Keys.MODELS.length();
    for (KeyValue entry : page.getKvs()) {
      String id = string(entry.getKey()).substring(strip);
      try {
        out.add(ModelRecords.decode(id, entry.getValue().getBytes()));
      } catch (InvalidProtocolBufferException e) {
        log.warn("model record {} is unreadable; skipped: {}", id, e.getMessage());
      }
    }
    return out;
  }

  /** Counted once at load, then kept by the watch (creates and deletes): no etcd call. */
  @Override
  public int modelCount() {
    return (int) Math.min(Integer.MAX_VALUE, modelCount.get());
  }

  /** Model records cached now (for metrics and tests). */
  public long cachedModels() {
    return models.size();
  }

  /** The cached record of a model, without reading etcd (tests). */
  public Optional<Versioned<ModelRecord>> cachedModel(String modelId) {
    return Optional.ofNullable(models.get(modelId));
  }

  @Override
  public Optional<Versioned<VModelRecord>> vmodel(String vmodelId) {
    return Optional.ofNullable(vmodels.get(vmodelId));
  }

  @Override
  public List<VModelRecord> vmodels() {
    List<VModelRecord> all = new ArrayList<>(vmodels.size());
    vmodels.values().forEach(v -> all.add(v.value()));
    return all;
  }

  @Override
  public void catchUp(String id) {
    if (id == null || id.isEmpty()) {
      return;
    }
    try {
      TxnResponse read = txn(t -> t.Then(
          Op.get(key(Keys.MODELS + id), GetOption.DEFAULT),
          Op.get(key(Keys.VMODELS + id), GetOption.DEFAULT)));
      long newest = 0;
      for (GetResponse r : read.getGetResponses()) {
        for (KeyValue kv : r.getKvs()) {
          newest = Math.max(newest, kv.getModRevision());
        }
      }
      if (newest > 0) {
        awaitApplied(newest);
      }
    } catch (UnavailableException e) {
      log.debug("cannot catch up on {}: {}", id, e.getMessage());
    }
  }

  @Override
  public MeshView view() {
    return view;
  }

  @Override
  public void addListener(Runnable listener) {
    listeners.add(listener);
  }

  // ---- persistent writes --------------------------------------------------------------------

  @Override
  public Optional<Long> putModel(ModelRecord record, long expectedVersion) {
    Optional<Long> version = putIfVersion(key(Keys.MODELS + record.getModelId()),
        ModelRecords.encode(record), expectedVersion);
    // This node just saw the record: cache it (unless a newer change was already skipped).
    version.ifPresent(v -> models.offer(record.getModelId(), new Versioned<>(record, v), v));
    return version;
  }

  @Override
  public boolean deleteModel(String modelId, long expectedVersion) {
    return deleteIfVersion(key(Keys.MODELS + modelId), expectedVersion);
  }

  @Override
  public Optional<Long> putVModel(VModelRecord record, long expectedVersion) {
    return putIfVersion(key(Keys.VMODELS + record.getVmodelId()), record.toByteArray(),
        expectedVersion);
  }

  @Override
  public boolean deleteVModel(String vmodelId, long expectedVersion) {
    return deleteIfVersion(key(Keys.VMODELS + vmodelId), expectedVersion);
  }

  @Override
  public void putConfig(Map<String, String> settings) {
    List<Op> ops = new ArrayList<>();
    for (String name : view.config().keySet()) {
      if (!settings.containsKey(name)) {
        ops.add(Op.delete(key(Keys.CONFIG + name), DeleteOption.DEFAULT));
      }
    }
    settings.forEach((name, value) ->
        ops.add(Op.put(key(Keys.CONFIG + name), bytes(value), PutOption.DEFAULT)));
    if (ops.isEmpty()) {
      return;
    }
    TxnResponse response = txn(t -> t.Then(ops.toArray(Op[]::new)));
    awaitApplied(response.getHeader().getRevision());
  }

  private Optional<Long> putIfVersion(ByteSequence key, byte[] value, long expectedVersion) {
    Optional<Long> revision = commits.put(key, ByteSequence.from(value), expectedVersion);
    revision.ifPresent(this::awaitApplied);
    return revision;
  }

  private boolean deleteIfVersion(ByteSequence key, long expectedVersion) {
    if (expectedVersion <= 0) {
      return false;
    }
    TxnResponse response = txn(t -> t.If(
            new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedVersion)))
        .Then(Op.delete(key, DeleteOption.DEFAULT)));
    if (response.isSucceeded()) {
      awaitApplied(response.getHeader().getRevision());
    }
    return response.isSucceeded();
  }

  // ---- live writes (bound to the session's lease) -------------------------------------------

  @Override
  public void putInstance(InstanceRecord record) {
    session.withLease(lease -> call(kv.put(key(Keys.INSTANCES + record.getInstanceId()),
        ByteSequence.from(record.toByteArray()), leased(lease))));
  }

  @Override
  public String claimLoad(String modelId, String instanceId) {
    ByteSequence key = key(Keys.CLAIMS + modelId);
    TxnResponse response = session.withLease(lease -> txn(t -> t
        .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.version(0)))
        .Then(Op.put(key, bytes(instanceId), leased(lease)))
        .Else(Op.get(key, GetOption.DEFAULT))));
    if (response.isSucceeded()) {
      return instanceId;
    }
    List<KeyValue> current = response.getGetResponses().isEmpty()
        ? List.of() : response.getGetResponses().get(0).getKvs();
    return current.isEmpty() ? claimLoad(modelId, instanceId) : string(current.get(0).getValue());
  }

  @Override
  public void releaseClaim(String modelId, String instanceId) {
    ByteSequence key = key(Keys.CLAIMS + modelId);
    txn(t -> t.If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.value(bytes(instanceId))))
        .Then(Op.delete(key, DeleteOption.DEFAULT)));
  }

  @Override
  public void putCopy(CopyRecord record) {
    session.withLease(lease -> call(kv.put(
        key(Keys.COPIES + record.getModelId() + "/" + record.getInstanceId()),
        ByteSequence.from(record.toByteArray()), leased(lease))));
  }

  @Override
  public void putCopyReleasingClaim(CopyRecord record) {
    ByteSequence claim = key(Keys.CLAIMS + record.getModelId());
    ByteSequence copy = key(Keys.COPIES + record.getModelId() + "/" + record.getInstanceId());
    ByteSequence value = ByteSequence.from(record.toByteArray());
    session.withLease(lease -> txn(t -> t
        .If(new Cmp(claim, Cmp.Op.EQUAL, CmpTarget.value(bytes(record.getInstanceId()))))
        .Then(Op.put(copy, value, leased(lease)), Op.delete(claim, DeleteOption.DEFAULT))
        .Else(Op.put(copy, value, leased(lease)))));
  }

  @Override
  public void deleteCopy(String modelId, String instanceId) {
    call(kv.delete(key(Keys.COPIES + modelId + "/" + instanceId)));
  }

  @Override
  public boolean tryLead(String instanceId) {
    ByteSequence key = key(Keys.LEADER);
    TxnResponse response = session.withLease(lease -> txn(t -> t
        .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.version(0)))
        .Then(Op.put(key, bytes(instanceId), leased(lease)))
        .Else(Op.get(key, GetOption.DEFAULT))));
    if (response.isSucceeded()) {
      return true;
    }
    List<KeyValue> current = response.getGetResponses().isEmpty()
        ? List.of() : response.getGetResponses().get(0).getKvs();
    return !current.isEmpty() && string(current.get(0).getValue()).equals(instanceId);
  }

  // ---- plumbing -----------------------------------------------------------------------------

  /** One transaction writing every put if every put's expectation holds (group commit). */
  private OptionalLong commitPuts(List<GroupCommit.Put> puts) {
    TxnResponse response = txn(t -> t
        .If(puts.stream().map(GroupCommit.Put::expectation).toArray(Cmp[]::new))
        .Then(puts.stream().map(GroupCommit.Put::operation).toArray(Op[]::new)));
    return response.isSucceeded()
        ? OptionalLong.of(response.getHeader().getRevision())
        : OptionalLong.empty();
  }

  private TxnResponse txn(UnaryOperator<Txn> build) {
    return call(build.apply(kv.txn()).commit());
  }

  private static PutOption leased(long lease) {
    return PutOption.builder().withLeaseId(lease).build();
  }

  /** Waits for an etcd call within the operation timeout; failures become UNAVAILABLE. */
  <T> T call(java.util.concurrent.CompletableFuture<T> future) {
    try {
      T result = future.get(opTimeout.toMillis(), TimeUnit.MILLISECONDS);
      failuresInARow.set(0);
      return result;
    } catch (TimeoutException e) {
      future.cancel(true);
      throw unavailable("no answer within " + opTimeout, e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw unavailable(String.valueOf(cause.getMessage()), cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unavailable("interrupted", e);
    }
  }

  private <T> T await(Future<T> future) {
    try {
      return future.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw unavailable(String.valueOf(e.getCause()), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unavailable("interrupted", e);
    }
  }

  UnavailableException unavailable(String why, Throwable cause) {
    noteFailure();
    return new UnavailableException("registry (etcd " + endpoints + ") is unavailable: " + why,
        cause);
  }

  private ByteSequence key(String relative) {
    return bytes(root + relative);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static String string(ByteSequence b) {
    return b.toString(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    closed = true;
    commits.close();
    mirror.execute(() -> {
      if (watcher != null) {
        watcher.close();
      }
    });
    session.close();
    mirror.shutdown();
    prefetcher.shutdownNow();
    try {
      mirror.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    client.close();
  }

  /** Key names under the root prefix. */
  static final class Keys {
    static final String MODELS = "models/";
    static final String VMODELS = "vmodels/";
    static final String INSTANCES = "instances/";
    static final String COPIES = "copies/";
    static final String CLAIMS = "claims/";
    static final String CONFIG = "config/";
    static final String LEADER = "leader";

    private Keys() {}
  }
}
