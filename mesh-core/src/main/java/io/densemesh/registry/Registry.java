package io.densemesh.registry;

import io.densemesh.api.registry.ModelRecord;
import io.densemesh.api.registry.VModelRecord;
import java.util.List;
import java.util.Optional;

/**
 * Persistent model and vmodel records. Every write is a compare-and-set on the record's version
 * (0 = must not exist), so racing writers are settled by the registry, not by timing. A write is
 * durable when the call returns.
 *
 * <p>Implementations throw {@link io.densemesh.runtime.error.UnavailableException} when the
 * backing store cannot be reached.
 */
public interface Registry extends AutoCloseable {

  Optional<Versioned<ModelRecord>> model(String modelId);

  List<ModelRecord> models();

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

  @Override
  void close();
}
