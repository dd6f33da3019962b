package io.densemesh.serving;

import io.densemesh.api.mmesh.ModelStatusInfo;
import io.densemesh.api.registry.ModelRecord;
import io.densemesh.api.registry.VModelRecord;
import io.densemesh.auth.AccessRules;
import io.densemesh.auth.Action;
import io.densemesh.auth.Principal;
import io.densemesh.auth.TenantGuard;
import io.densemesh.registry.Registry;
import io.densemesh.registry.Versioned;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.error.DeadlineExceededException;
import io.densemesh.runtime.error.ModelLoadException;
import io.densemesh.runtime.error.PreconditionFailedException;
import io.densemesh.runtime.error.UnavailableException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The V2 model repository extension (KServe's load and unload, Triton's index) mapped onto the
 * mesh, for gRPC and REST alike.
 *
 * <p>A single server's repository holds model files and loads or unloads them in its one
 * process. In a mesh a model is registered once and lives wherever placement puts it, so the
 * calls keep ModelMesh's meaning of "registered" and change only residency: load makes sure a
 * copy is LOADED somewhere (ModelMesh's {@code ensureLoaded} with {@code sync}); unload drops
 * every copy in the mesh but leaves the registration, so the next request loads the model again
 * (registering and unregistering stay ModelMesh's {@code registerModel}/{@code unregisterModel}).
 * A model whose policy keeps min copies cannot be unloaded (the leader would reload it at once),
 * and an unloaded model is marked ({@code unloaded_at} in its record) so that the leader's
 * proactive loading does not warm it again behind the client's back; a repository load clears
 * the mark. Requests load it on demand either way.
 *
 * <p>A name is resolved as an inference request's is (a model id, else a vmodel id standing for
 * its active model) and authorised as management calls are: load and unload need a role that may
 * manage models, the index one that may read; another tenant's model or vmodel answers exactly as
 * a missing one does.
 */
public final class ModelRepository {

  /** Index entries one call answers at most; beyond that it refuses instead of truncating. */
  public static final int MAX_INDEX_ENTRIES = 10_000;
  /** Registry records one index call reads at most (a tenant's index skips others' models). */
  static final int MAX_INDEX_SCAN = 100_000;
  private static final int PAGE = 1000;
  private static final int CAS_ATTEMPTS = 16;

  /** Index states, Triton's words for them. */
  public static final String READY = "READY";
  public static final String LOADING = "LOADING";
  public static final String UNAVAILABLE = "UNAVAILABLE";
  static final String NOT_LOADED_REASON = "not loaded (the first request loads it)";

  /** Drops every copy of a model in the mesh (the {@code CopyDropper} of a node). */
  @FunctionalInterface
  public interface CopyRemoval {
    /**
     * Asks every holder of a copy, this node included, to drop it once its in-flight requests
     * finish.
     *
     * @throws io.densemesh.runtime.error.UnavailableException when a holder cannot be reached
     */
    void dropAll(String modelId);
  }

  /** One index entry, as Triton's {@code RepositoryIndexResponse.ModelIndex}. */
  public record IndexEntry(String name, String version, String state, String reason) {}

  private final Registry registry;
  private final ModelResolver resolver;
  private final ModelManagement models;
  private final TenantGuard guard;
  private final CopyRemoval copies;
  private final Clock clock;

  public ModelRepository(Registry registry, ModelResolver resolver, ModelManagement models,
      TenantGuard guard, CopyRemoval copies, Clock clock) {
    this.registry = registry;
    this.resolver = resolver;
    this.models = models;
    this.guard = guard;
    this.copies = copies;
    this.clock = clock;
  }

  /**
   * Makes sure a copy of the named model is LOADED somewhere in the mesh and answers once it is;
   * a model already loaded is not reloaded.
   *
   * @return the id of the model now loaded
   * @throws io.densemesh.runtime.error.ModelNotFoundException unknown or another tenant's
   * @throws ModelLoadException the load failed (the runtime's reason)
   * @throws DeadlineExceededException the load did not finish within the load timeout
   */
  public String load(Principal caller, String name) {
    guard.requireRole(caller, Action.MANAGE);
    String modelId = resolve(caller, name).modelId();
    markUnloaded(name, modelId, 0);
    ModelStatusInfo status = models.ensureLoaded(modelId, true);
    switch (status.getStatus()) {
      case LOADED -> {
        return modelId;
      }
      case LOADING_FAILED -> throw new ModelLoadException("loading model '" + name + "' failed: "
          + (status.getErrorsCount() == 0 ? "no reason given"
              : String.join("; ", status.getErrorsList())));
      case NOT_FOUND -> throw ModelResolver.notRegistered(name, null, null);
      default -> throw new DeadlineExceededException(
          "model '" + name + "' did not finish loading within the load timeout; it is "
              + status.getStatus());
    }
  }

  /**
   * Drops every copy of the named model in the mesh; the model stays registered.
   *
   * @return the id of the model unloaded
   * @throws PreconditionFailedException the model's policy keeps min copies
   */
  public String unload(Principal caller, String name) {
    guard.requireRole(caller, Action.MANAGE);
    String modelId = resolve(caller, name).modelId();
    // Marked first, so the leader does not warm it again while its copies go.
    markUnloaded(name, modelId, clock.millis());
    copies.dropAll(modelId);
    return modelId;
  }

  /**
   * Writes the record's {@code unloaded_at} (0 clears it) unless it already holds that state;
   * refuses to mark a model whose policy keeps min copies.
   */
  private void markUnloaded(String name, String modelId, long at) {
    for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      Versioned<ModelRecord> current = registry.model(modelId)
          .orElseThrow(() -> ModelResolver.notRegistered(name, null, null));
      ModelRecord record = current.value();
      if (at != 0 && record.getMinCopies() > 0) {
        throw new PreconditionFailedException("model '" + name + "' keeps "
            + record.getMinCopies() + " copies by its policy (min copies), which would load it"
            + " again at once; set its min copies to 0 (MeshAdmin setModelPolicy) before"
            + " unloading it");
      }
      if ((record.getUnloadedAt() == 0) == (at == 0)) {
        return;
      }
      if (registry.putModel(record.toBuilder().setUnloadedAt(at).build(), current.version())
          .isPresent()) {
        return;
      }
    }
    throw new UnavailableException("model '" + name + "' kept changing; try again");
  }

  /**
   * Every model and vmodel the caller sees, sorted by name, with its state in the mesh; only
   * READY ones when {@code readyOnly}.
   *
   * @throws PreconditionFailedException more than {@link #MAX_INDEX_ENTRIES} entries, or more
   *     than {@link #MAX_INDEX_SCAN} registry records to read
   */
  public List<IndexEntry> index(Principal caller, boolean readyOnly) {
    guard.requireRole(caller, Action.READ);
    List<IndexEntry> entries = new ArrayList<>();
    Set<String> names = new HashSet<>();
    String after = "";
    int scanned = 0;
    while (true) {
      List<ModelRecord> page = registry.models(after, PAGE);
      for (ModelRecord m : page) {
        after = m.getModelId();
        if (++scanned > MAX_INDEX_SCAN) {
          throw tooLarge("the registry holds more than " + MAX_INDEX_SCAN + " models");
        }
        if (AccessRules.sees(caller, m.getTenant())) {
          names.add(m.getModelId());
          add(entries, entry(m.getModelId(), models.status(m)), readyOnly);
        }
      }
      if (page.size() < PAGE) {
        break;
      }
    }
    for (VModelRecord v : registry.vmodels()) {
      if (!AccessRules.sees(caller, v.getTenant()) || names.contains(v.getVmodelId())) {
        continue;
      }
      Optional<Versioned<ModelRecord>> active = registry.model(v.getActiveModelId());
      active.ifPresent(m -> add(entries, entry(v.getVmodelId(), models.status(m.value())),
          readyOnly));
    }
    entries.sort(Comparator.comparing(IndexEntry::name));
    return entries;
  }

  private static void add(List<IndexEntry> entries, IndexEntry entry, boolean readyOnly) {
    if (entry == null || (readyOnly && !entry.state().equals(READY))) {
      return;
    }
    if (entries.size() == MAX_INDEX_ENTRIES) {
      throw tooLarge("more than " + MAX_INDEX_ENTRIES + " models and vmodels are visible");
    }
    entries.add(entry);
  }

  private static PreconditionFailedException tooLarge(String why) {
    return new PreconditionFailedException(why + ", more than one repository index answers;"
        + " page through them with densemesh.v1.MeshAdmin/listModels");
  }

  /** The entry for a name whose model has this status (null when it vanished meanwhile). */
  static IndexEntry entry(String name, ModelStatusInfo status) {
    return switch (status.getStatus()) {
      case LOADED -> new IndexEntry(name, ModelResolver.VERSION, READY, "");
      case LOADING -> new IndexEntry(name, ModelResolver.VERSION, LOADING, "");
      case LOADING_FAILED -> new IndexEntry(name, ModelResolver.VERSION, UNAVAILABLE,
          String.join("; ", status.getErrorsList()));
      case NOT_LOADED -> new IndexEntry(name, ModelResolver.VERSION, UNAVAILABLE,
          NOT_LOADED_REASON);
      default -> null;
    };
  }

  /** The model a name stands for, if the caller may see it; else NOT_FOUND as for a missing one. */
  private ModelSpec resolve(Principal caller, String name) {
    ModelManagement.requireId("model_name", name);
    ModelSpec spec = resolver.resolve(name, null, null, "");
    if (!guard.model(caller, spec.modelId())) {
      throw ModelResolver.notRegistered(name, null, null);
    }
    return spec;
  }
}
