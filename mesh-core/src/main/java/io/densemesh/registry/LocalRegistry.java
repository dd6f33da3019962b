package io.densemesh.registry;

import io.densemesh.api.registry.ConfigRecord;
import io.densemesh.api.registry.CopyRecord;
import io.densemesh.api.registry.InstanceRecord;
import io.densemesh.api.registry.JournalEntry;
import io.densemesh.api.registry.ModelRecord;
import io.densemesh.api.registry.VModelRecord;
import io.densemesh.registry.journal.RegistryJournal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded registry for a single node: records in memory, every change appended to a
 * {@link RegistryJournal} under the data directory and forced to disk before the call returns.
 * At start the journal is replayed (a torn last write is truncated; damage before it stops the
 * start with {@link io.densemesh.registry.journal.JournalDamagedException}) and compacted, so it
 * holds one entry per live record. The journal's lock keeps a second process off the directory.
 *
 * <p>All methods are synchronized: registry writes are rare next to inference, and this keeps
 * the journal order equal to the version order. A change is applied in memory only after its
 * entry is on disk, so a failed write changes nothing. The live part (instance, copies, claims,
 * leadership) lives in memory only: it belongs to this process and ends with it.
 */
public final class LocalRegistry implements Registry {

  private static final Logger log = LoggerFactory.getLogger(LocalRegistry.class);

  private final java.util.TreeMap<String, Versioned<ModelRecord>> models =
      new java.util.TreeMap<>();
  private final Map<String, Versioned<VModelRecord>> vmodels = new HashMap<>();
  private final MeshState live = new MeshState();
  private final ChangeListeners listeners = new ChangeListeners();
  private final RegistryJournal journal;
  private volatile MeshView view = MeshView.EMPTY;
  private long revision;

  /** Opens (creating if needed) the registry under {@code dataDir}. */
  public LocalRegistry(Path dataDir) {
    this.journal = RegistryJournal.open(dataDir, this::apply);
    try {
      journal.rewrite(compacted());
    } catch (RuntimeException e) {
      journal.close();
      throw e;
    }
    log.info("registry: {} models and {} vmodels restored from {}", models.size(), vmodels.size(),
        journal.path());
    this.view = live.snapshot(revision);
  }

  private void apply(JournalEntry entry) {
    revision++;
    switch (entry.getChangeCase()) {
      case PUT_MODEL -> models.put(
          entry.getPutModel().getModelId(), new Versioned<>(entry.getPutModel(), revision));
      case DELETE_MODEL -> models.remove(entry.getDeleteModel());
      case PUT_VMODEL -> vmodels.put(
          entry.getPutVmodel().getVmodelId(), new Versioned<>(entry.getPutVmodel(), revision));
      case DELETE_VMODEL -> vmodels.remove(entry.getDeleteVmodel());
      case PUT_CONFIG -> live.replaceConfig(entry.getPutConfig().getSettingsMap());
      case CHANGE_NOT_SET -> log.warn("registry journal holds an empty entry; ignored");
    }
  }

  /** One entry per live record. */
  private List<JournalEntry> compacted() {
    List<JournalEntry> entries = new ArrayList<>(models.size() + vmodels.size() + 1);
    models.values().forEach(m -> entries.add(JournalEntry.newBuilder().setPutModel(m.value())
        .build()));
    vmodels.values().forEach(v -> entries.add(JournalEntry.newBuilder().setPutVmodel(v.value())
        .build()));
    Map<String, String> config = live.snapshot(0).config();
    if (!config.isEmpty()) {
      entries.add(JournalEntry.newBuilder()
          .setPutConfig(ConfigRecord.newBuilder().putAllSettings(config)).build());
    }
    return entries;
  }

  /** Durable first, then visible: a write that fails changes nothing. */
  private void append(JournalEntry entry) {
    journal.append(entry);
    apply(entry);
    changed();
  }

  /** Caller holds the lock. Publishes a new view; listeners run after the lock is released. */
  private void changed() {
    view = live.snapshot(revision);
    pendingNotify = true;
  }

  private boolean pendingNotify;

  private void notifyListeners() {
    boolean notify;
    synchronized (this) {
      notify = pendingNotify;
      pendingNotify = false;
    }
    if (notify) {
      listeners.fire();
    }
  }

  private static long versionOf(Versioned<?> current) {
    return current == null ? 0 : current.version();
  }

  @Override
  public synchronized Optional<Versioned<ModelRecord>> model(String modelId) {
    return Optional.ofNullable(models.get(modelId));
  }

  @Override
  public synchronized List<ModelRecord> models(String after, int limit) {
    return ModelPages.after(models, after, limit);
  }

  @Override
  public synchronized int modelCount() {
    return models.size();
  }

  @Override
  public Optional<Long> putModel(ModelRecord record, long expectedVersion) {
    try {
      return putModelLocked(record, expectedVersion);
    } finally {
      notifyListeners();
    }
  }

  private synchronized Optional<Long> putModelLocked(ModelRecord record, long expectedVersion) {
    if (versionOf(models.get(record.getModelId())) != expectedVersion) {
      return Optional.empty();
    }
    append(JournalEntry.newBuilder().setPutModel(record).build());
    return Optional.of(revision);
  }

  @Override
  public boolean deleteModel(String modelId, long expectedVersion) {
    try {
      return deleteModelLocked(modelId, expectedVersion);
    } finally {
      notifyListeners();
    }
  }

  private synchronized boolean deleteModelLocked(String modelId, long expectedVersion) {
    Versioned<ModelRecord> current = models.get(modelId);
    if (current == null || current.version() != expectedVersion) {
      return false;
    }
    append(JournalEntry.newBuilder().setDeleteModel(modelId).build());
    return true;
  }

  @Override
  public synchronized Optional<Versioned<VModelRecord>> vmodel(String vmodelId) {
    return Optional.ofNullable(vmodels.get(vmodelId));
  }

  @Override
  public synchronized List<VModelRecord> vmodels() {
    List<VModelRecord> all = new ArrayList<>(vmodels.size());
    vmodels.values().forEach(v -> all.add(v.value()));
    return all;
  }

  @Override
  public Optional<Long> putVModel(VModelRecord record, long expectedVersion) {
    try {
      return putVModelLocked(record, expectedVersion);
    } finally {
      notifyListeners();
    }
  }

  private synchronized Optional<Long> putVModelLocked(VModelRecord record,
      long expectedVersion) {
    if (versionOf(vmodels.get(record.getVmodelId())) != expectedVersion) {
      return Optional.empty();
    }
    append(JournalEntry.newBuilder().setPutVmodel(record).build());
    return Optional.of(revision);
  }

  @Override
  public boolean deleteVModel(String vmodelId, long expectedVersion) {
    try {
      return deleteVModelLocked(vmodelId, expectedVersion);
    } finally {
      notifyListeners();
    }
  }

  private synchronized boolean deleteVModelLocked(String vmodelId, long expectedVersion) {
    Versioned<VModelRecord> current = vmodels.get(vmodelId);
    if (current == null || current.version() != expectedVersion) {
      return false;
    }
    append(JournalEntry.newBuilder().setDeleteVmodel(vmodelId).build());
    return true;
  }

  @Override
  public void putConfig(Map<String, String> settings) {
    synchronized (this) {
      append(JournalEntry.newBuilder()
          .setPutConfig(ConfigRecord.newBuilder().putAllSettings(settings))
          .build());
    }
    notifyListeners();
  }

  @Override
  public void putInstance(InstanceRecord record) {
    liveChange(() -> live.putInstance(record));
  }

  @Override
  public String claimLoad(String modelId, String instanceId) {
    String[] holder = new String[1];
    liveChange(() -> {
      String current = live.claim(modelId);
      if (current == null) {
        live.putClaim(modelId, instanceId);
        current = instanceId;
      }
      holder[0] = current;
    });
    return holder[0];
  }

  @Override
  public void releaseClaim(String modelId, String instanceId) {
    liveChange(() -> {
      if (instanceId.equals(live.claim(modelId))) {
        live.removeClaim(modelId);
      }
    });
  }

  @Override
  public void putCopy(CopyRecord record) {
    liveChange(() -> live.putCopy(record));
  }

  @Override
  public void putCopyReleasingClaim(CopyRecord record) {
    liveChange(() -> {
      live.putCopy(record);
      if (record.getInstanceId().equals(live.claim(record.getModelId()))) {
        live.removeClaim(record.getModelId());
      }
    });
  }

  @Override
  public void deleteCopy(String modelId, String instanceId) {
    liveChange(() -> live.removeCopy(modelId, instanceId));
  }

  @Override
  public boolean tryLead(String instanceId) {
    boolean[] leads = new boolean[1];
    liveChange(() -> {
      if (live.leader().isEmpty()) {
        live.leader(instanceId);
      }
      leads[0] = live.leader().equals(instanceId);
    });
    return leads[0];
  }

  private void liveChange(Runnable change) {
    synchronized (this) {
      change.run();
      revision++;
      changed();
    }
    notifyListeners();
  }

  @Override
  public void catchUp(String id) {
    // every write goes through this object: nothing to catch up with
  }

  @Override
  public MeshView view() {
    return view;
  }

  @Override
  public void addListener(Runnable listener) {
    listeners.add(listener);
  }

  @Override
  public synchronized void close() {
    journal.close();
  }
}
