package io.densemesh.registry;

import io.densemesh.api.registry.CopyRecord;
import io.densemesh.api.registry.InstanceRecord;
import io.densemesh.api.registry.ModelRecord;
import io.densemesh.api.registry.VModelRecord;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The mesh's shared state, in two parts.
 *
 * <p>Persistent records (models, vmodels, the live config): every write is a compare-and-set on
 * the record's version (0 = must not exist), so racing writers are settled by the registry, not
 * by timing. A write is durable when the call returns, and this registry's own reads see it from
 * then on.
 *
 * <p>Live records bound to this registry session (in etcd: to its lease), so a dead node's
 * entries vanish by themselves: the node's instance record, its copies, first-load claims and
 * leadership. They are read through {@link #view()}, an immutable mirror the request path reads
 * without calling the backing store.
 *
 * <p>Implementations throw {@link io.densemesh.runtime.error.UnavailableException} when the
 * backing store cannot be reached. Reads of the live view and of vmodels never call it; a model
 * read may (a registry that keeps only recently used model records reads a missing one from the
 * store), and listing models always pages through it.
 */
public interface Registry extends AutoCloseable {

  /**
   * The model's current record; read-your-writes, and a model registered through another node
   * is found as soon as that node's write returned.
   */
  Optional<Versioned<ModelRecord>> model(String modelId);

  /**
   * One page of models in id order: at most {@code limit} records whose ids sort after
   * {@code after} ("" for the first page). Never materialises the whole registry.
   */
  List<ModelRecord> models(String after, int limit);

  /** Number of registered models, without copying them. */
  int modelCount();

  /**
   * Writes a model record if its current version is {@code expectedVersion} (0: absent).
   *
   * @return the new version, or empty when the expectation failed
   */
  Optional<Long> putModel(ModelRecord record, long expectedVersion);

  /** Deletes if the current version matches; true when deleted. */
  boolean deleteModel(String modelId, long expectedVersion);

  Optional<Versioned<VModelRecord>> vmodel(String vmodelId);

  List<VModelRecord> vmodels();

  Optional<Long> putVModel(VModelRecord record, long expectedVersion);

  boolean deleteVModel(String vmodelId, long expectedVersion);

  /** Replaces the live placement settings as a whole (durable, watched by every node). */
  void putConfig(Map<String, String> settings);

  /** Publishes (creates or replaces) this node's instance record, bound to this session. */
  void putInstance(InstanceRecord record);

  /**
   * Claims the loading of a model's first copy for {@code instanceId}, unless another instance
   * holds the claim. The claim is bound to this session.
   *
   * @return the instance holding the claim after the call (this one when it won)
   */
  String claimLoad(String modelId, String instanceId);

  /** Drops a claim if {@code instanceId} holds it. */
  void releaseClaim(String modelId, String instanceId);

  /** Publishes one copy held by this node, bound to this session. */
  void putCopy(CopyRecord record);

  void deleteCopy(String modelId, String instanceId);

  /**
   * Publishes a copy and, in the same write, drops the model's first-load claim if this copy's
   * instance holds it (a first load that finished: one registry write instead of two).
   */
  void putCopyReleasingClaim(CopyRecord record);

  /**
   * Takes the leadership for {@code instanceId} if nobody holds it.
   *
   * @return true when {@code instanceId} is the leader after the call
   */
  boolean tryLead(String instanceId);

  /**
   * For a lookup that missed: reads {@code id}'s model and vmodel keys from the backing store and,
   * when either exists, waits (bounded) until this registry's own reads see it. Lets a node serve
   * a model registered through another node a moment ago. Never throws; no-op when the store is
   * this process.
   */
  void catchUp(String id);

  /** The latest mirrored live state. */
  MeshView view();

  /**
   * Runs {@code listener} after each change of the mirrored state (persistent or live), on the
   * registry's notifier thread; listeners must be quick and never block on the registry.
   */
  void addListener(Runnable listener);

  @Override
  void close();
}
