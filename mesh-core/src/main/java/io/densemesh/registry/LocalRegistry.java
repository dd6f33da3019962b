package io.densemesh.registry;

import io.densemesh.api.registry.ConfigRecord;
import io.densemesh.api.registry.CopyRecord;
import io.densemesh.api.registry.InstanceRecord;
import io.densemesh.api.registry.JournalEntry;
import io.densemesh.api.registry.ModelRecord;
import io.densemesh.api.registry.VModelRecord;
import io.densemesh.runtime.error.UnavailableException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded registry for a single node: records in memory, every change appended to a journal
 * ({@code registry.journal} under the data directory) and forced to disk before the call returns.
 * At start the journal is replayed and compacted (written anew to a temp file, then atomically
 * renamed), so it holds one entry per live record. A torn final entry (crash mid-write) is
 * dropped: that write never returned to its caller.
 *
 * <p>All methods are synchronized: registry writes are rare next to inference, and this keeps
 * the journal order equal to the version order. The live part (instance, copies, claims,
 * leadership) lives in memory only: it belongs to this process and ends with it.
 */
public final class LocalRegistry implements Registry {

  private static final Logger log = LoggerFactory.getLogger(LocalRegistry.class);
  static final String JOURNAL = "registry.journal";

  private final Path journalPath;
  private final Map<String, Versioned<ModelRecord>> models = new HashMap<>();
  private final Map<String, Versioned<VModelRecord>> vmodels = new HashMap<>();
  private final MeshState live = new MeshState();
  private final ChangeListeners listeners = new ChangeListeners();
  private volatile MeshView view = MeshView.EMPTY;
  private long revision;
  private FileChannel journal;
  private OutputStream journalOut;

  /** Opens (creating if needed) the registry under {@code dataDir}. */
  public LocalRegistry(Path dataDir) {
    try {
      Files.createDirectories(dataDir);
      this.journalPath = dataDir.resolve(JOURNAL);
      replay();
      compact();
      this.view = live.snapshot(revision);
      this.journal =
          FileChannel.open(journalPath, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
      this.journalOut = Channels.newOutputStream(journal);
    } catch (IOException e) {
      throw new UnavailableException("cannot open registry in " + dataDir + ": " + e.getMessage(),
          e);
    }
  }

  private void replay() throws IOException {
    if (!Files.exists(journalPath)) {
      return;
    }
    int entries = 0;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(journalPath))) {
      while (true) {
        JournalEntry entry;
        try {
          entry = JournalEntry.parseDelimitedFrom(in);
        } catch (IOException torn) {
          log.warn("registry journal ends in a torn entry after {} entries; dropping it", entries);
          break;
        }
        if (entry == null) {
          break;
        }
        apply(entry);
        entries++;
      }
    }
    log.info("registry: {} models and {} vmodels restored from {}", models.size(), vmodels.size(),
        journalPath);
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

  private void compact() throws IOException {
    Path tmp = journalPath.resolveSibling(JOURNAL + ".tmp");
    try (FileChannel ch =
            FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        OutputStream out = Channels.newOutputStream(ch)) {
      for (Versioned<ModelRecord> m : models.values()) {
        JournalEntry.newBuilder().setPutModel(m.value()).build().writeDelimitedTo(out);
      }
      for (Versioned<VModelRecord> v : vmodels.values()) {
        JournalEntry.newBuilder().setPutVmodel(v.value()).build().writeDelimitedTo(out);
      }
      Map<String, String> config = live.snapshot(0).config();
      if (!config.isEmpty()) {
        JournalEntry.newBuilder()
            .setPutConfig(ConfigRecord.newBuilder().putAllSettings(config))
            .build()
            .writeDelimitedTo(out);
      }
      out.flush();
      ch.force(true);
    }
    Files.move(tmp, journalPath, StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }

  private void append(JournalEntry entry) {
    try {
      entry.writeDelimitedTo(journalOut);
      journalOut.flush();
      journal.force(false);
    } catch (IOException e) {
      throw new UnavailableException("registry journal write failed: " + e.getMessage(), e);
    }
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
  public synchronized List<ModelRecord> models() {
    List<ModelRecord> all = new ArrayList<>(models.size());
    models.values().forEach(v -> all.add(v.value()));
    return all;
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
    try {
      journalOut.close();
    } catch (IOException e) {
      log.warn("closing registry journal: {}", e.getMessage());
    }
  }
}
