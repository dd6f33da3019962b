package io.densemesh.registry;

import io.densemesh.api.registry.CopyRecord;
import io.densemesh.api.registry.InstanceRecord;
import io.densemesh.api.registry.ModelRecord;
import io.densemesh.api.registry.VModelRecord;
import io.densemesh.runtime.error.UnavailableException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A registry several simulated nodes share in one test, in memory, with the {@link Registry}
 * contract ({@link SharedMemoryRegistryTest} runs the contract suite on it) and two test
 * controls the embedded registry lacks: {@link #expire} ends one node's session the way an etcd
 * lease expiry does (its instance, copies, claims and leadership vanish at once), and
 * {@link #unreachable} makes writes fail as an unreachable store does. Listeners run on the
 * writing thread after the write, as in the embedded registry.
 */
public final class SharedMemoryRegistry implements Registry {

  private final java.util.TreeMap<String, Versioned<ModelRecord>> models =
      new java.util.TreeMap<>();
  private final Map<String, Versioned<VModelRecord>> vmodels = new HashMap<>();
  private final MeshState live = new MeshState();
  private final Map<String, String> claims = new HashMap<>(); // model -> holder, mirrors live
  private final ChangeListeners listeners = new ChangeListeners();
  private volatile MeshView view = MeshView.EMPTY;
  private volatile boolean unreachable;
  private long revision;

  /** While true, every write throws {@link UnavailableException}; reads keep working. */
  public void unreachable(boolean unreachable) {
    this.unreachable = unreachable;
  }

  /** Ends {@code instanceId}'s session: its live records vanish in one change. */
  public void expire(String instanceId) {
    change(() -> {
      live.removeInstance(instanceId);
      for (Map.Entry<String, Map<String, CopyRecord>> e : view.copies().entrySet()) {
        if (e.getValue().containsKey(instanceId)) {
          live.removeCopy(e.getKey(), instanceId);
        }
      }
      claims.entrySet().removeIf(c -> {
        if (c.getValue().equals(instanceId)) {
          live.removeClaim(c.getKey());
          return true;
        }
        return false;
      });
      if (live.leader().equals(instanceId)) {
        live.leader("");
      }
      return null;
    });
  }

  private <T> T write(Supplier<T> change) {
    if (unreachable) {
      throw new UnavailableException("registry unreachable (test)");
    }
    return change(change);
  }

  private <T> T change(Supplier<T> change) {
    T result;
    synchronized (this) {
      result = change.get();
      revision++;
      view = live.snapshot(revision);
    }
    listeners.fire();
    return result;
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
    return write(() -> cas(models, record.getModelId(), record, expectedVersion));
  }

  @Override
  public boolean deleteModel(String modelId, long expectedVersion) {
    return write(() -> delete(models, modelId, expectedVersion));
  }

  @Override
  public synchronized Optional<Versioned<VModelRecord>> vmodel(String vmodelId) {
    return Optional.ofNullable(vmodels.get(vmodelId));
  }

  @Override
  public synchronized List<VModelRecord> vmodels() {
    List<VModelRecord> all = new ArrayList<>();
    vmodels.values().forEach(v -> all.add(v.value()));
    return all;
  }

  @Override
  public Optional<Long> putVModel(VModelRecord record, long expectedVersion) {
    return write(() -> cas(vmodels, record.getVmodelId(), record, expectedVersion));
  }

  @Override
  public boolean deleteVModel(String vmodelId, long expectedVersion) {
    return write(() -> delete(vmodels, vmodelId, expectedVersion));
  }

  /** Caller holds the lock (inside {@link #change}); the new version is the next revision. */
  private <T> Optional<Long> cas(Map<String, Versioned<T>> records, String id, T record,
      long expectedVersion) {
    Versioned<T> current = records.get(id);
    if ((current == null ? 0 : current.version()) != expectedVersion) {
      return Optional.empty();
    }
    records.put(id, new Versioned<>(record, revision + 1));
    return Optional.of(revision + 1);
  }

  private static <T> boolean delete(Map<String, Versioned<T>> records, String id,
      long expectedVersion) {
    Versioned<T> current = records.get(id);
    if (current == null || current.version() != expectedVersion) {
      return false;
    }
    records.remove(id);
    return true;
  }

  @Override
  public void putConfig(Map<String, String> settings) {
    write(() -> {
      live.replaceConfig(settings);
      return null;
    });
  }

  @Override
  public void putInstance(InstanceRecord record) {
    write(() -> {
      live.putInstance(record);
      return null;
    });
  }

  @Override
  public String claimLoad(String modelId, String instanceId) {
    return write(() -> {
      String holder = claims.putIfAbsent(modelId, instanceId);
      live.putClaim(modelId, holder == null ? instanceId : holder);
      return holder == null ? instanceId : holder;
    });
  }

  @Override
  public void releaseClaim(String modelId, String instanceId) {
    write(() -> {
      if (claims.remove(modelId, instanceId)) {
        live.removeClaim(modelId);
      }
      return null;
    });
  }

  @Override
  public void putCopy(CopyRecord record) {
    write(() -> {
      live.putCopy(record);
      return null;
    });
  }

  @Override
  public void deleteCopy(String modelId, String instanceId) {
    write(() -> {
      live.removeCopy(modelId, instanceId);
      return null;
    });
  }

  @Override
  public void putCopyReleasingClaim(CopyRecord record) {
    write(() -> {
      live.putCopy(record);
      if (claims.remove(record.getModelId(), record.getInstanceId())) {
        live.removeClaim(record.getModelId());
      }
      return null;
    });
  }

  @Override
  public boolean tryLead(String instanceId) {
    return write(() -> {
      if (live.leader().isEmpty()) {
        live.leader(instanceId);
      }
      return live.leader().equals(instanceId);
    });
  }

  @Override
  public void catchUp(String id) {
    // one process, one store: nothing to catch up with
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
  public void close() {
    // nothing held
  }
}
