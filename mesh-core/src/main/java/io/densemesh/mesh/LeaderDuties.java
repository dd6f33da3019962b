package io.densemesh.mesh;

import io.densemesh.api.registry.CopyRecord;
import io.densemesh.api.registry.InstanceRecord;
import io.densemesh.api.registry.LoadFailure;
import io.densemesh.api.registry.ModelRecord;
import io.densemesh.api.registry.VModelRecord;
import io.densemesh.registry.MeshView;
import io.densemesh.registry.Registry;
import io.densemesh.registry.Versioned;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.error.MeshException;
import io.densemesh.serving.ModelResolver;
import io.densemesh.serving.VModelManagement;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cluster-wide chores, run by the one elected leader (leadership is a lease-bound registry key,
 * so a dead leader is replaced within the lease TTL): finish vmodel transitions whose target is
 * loaded anywhere (and start loading targets nobody loads); keep models at their min copies;
 * drop expired load-failure records; and, while the mesh has plenty of free memory, load
 * registered models that have no copy, most recently used first, a couple per pass.
 *
 * <p>The work of a pass follows what changed, not what is registered. Min copies are checked for
 * the models whose copies changed since the previous pass (found by comparing the two views'
 * persistent copy maps by identity, O(models with copies)) and for models whose load-failure
 * backoff just ended. Everything else (models registered with min copies that never had a copy,
 * failure records to prune, proactive loads) comes from a slow sweep that reads one page of model
 * records per pass and wraps around, so the registry is covered in full without any pass
 * touching more than {@link #SWEEP_PAGE} records.
 */
public final class LeaderDuties {

  private static final Logger log = LoggerFactory.getLogger(LeaderDuties.class);
  private static final int PROACTIVE_LOADS_PER_PASS = 2;
  private static final double PROACTIVE_FREE_FRACTION = 0.5;
  /** Model records the sweep reads per pass. */
  static final int SWEEP_PAGE = 256;

  /** What the leader asks of the mesh's copy loading (the {@link CopyLoader} in a node). */
  interface CopyActions {
    /** Makes sure the model has a copy somewhere (no wait). */
    void ensureCopy(ModelSpec spec);

    /** Adds one more copy, avoiding {@code excluded} instances. */
    void addCopy(ModelSpec spec, Set<String> excluded);
  }

  /** What the leader tells vmodels (the {@link VModelManagement} in a node). */
  interface Transitions {
    void modelLoaded(String modelId);

    void modelLoadFailed(String modelId);
  }

  private final String self;
  private final Registry registry;
  private final CopyActions copies;
  private final Transitions transitions;
  private final Clock clock;
  private final Duration failureExpiry;
  private final boolean proactiveLoads;
  private final java.util.function.BooleanSupplier proactiveEnabled;
  private boolean leading;
  private MeshView seen = MeshView.EMPTY; // the view of the previous pass
  private String sweepAfter = "";
  private final Map<String, Long> backoffEnds = new HashMap<>(); // model -> millis

  public LeaderDuties(String self, Registry registry, CopyLoader loader,
      VModelManagement vmodels, Clock clock, Duration failureExpiry, boolean proactiveLoads,
      java.util.function.BooleanSupplier proactiveEnabled) {
    this(self, registry, new CopyActions() {
      @Override
      public void ensureCopy(ModelSpec spec) {
        loader.ensureCopy(spec, false);
      }

      @Override
      public void addCopy(ModelSpec spec, Set<String> excluded) {
        loader.addCopy(spec, excluded);
      }
    }, new Transitions() {
      @Override
      public void modelLoaded(String modelId) {
        vmodels.modelLoaded(modelId);
      }

      @Override
      public void modelLoadFailed(String modelId) {
        vmodels.modelLoadFailed(modelId);
      }
    }, clock, failureExpiry, proactiveLoads, proactiveEnabled);
  }

  LeaderDuties(String self, Registry registry, CopyActions copies, Transitions transitions,
      Clock clock, Duration failureExpiry, boolean proactiveLoads,
      java.util.function.BooleanSupplier proactiveEnabled) {
    this.self = self;
    this.registry = registry;
    this.copies = copies;
    this.transitions = transitions;
    this.clock = clock;
    this.failureExpiry = failureExpiry;
    this.proactiveLoads = proactiveLoads;
    this.proactiveEnabled = proactiveEnabled;
  }

  /** One pass: take the leadership if free, and do the chores when leading. */
  public void tick() {
    MeshView view = registry.view();
    String leader = view.leader();
    boolean canLead = leader.isEmpty() || leader.equals(self)
        || !view.instances().containsKey(leader);
    if (!canLead) {
      stopLeading();
      return;
    }
    try {
      boolean now = registry.tryLead(self);
      if (now != leading) {
        log.info(now ? "this node is the mesh leader" : "this node is no longer the leader");
      }
      if (!now) {
        stopLeading();
        return;
      }
      leading = true;
      transitions(view);
      for (String id : changedCopies(seen, view)) {
        registry.model(id).ifPresent(m -> minCopies(m.value(), view));
      }
      seen = view;
      backoffEnded();
      sweep(view);
    } catch (MeshException e) {
      log.debug("leader pass skipped: {}", e.getMessage());
    }
  }

  public boolean leading() {
    return leading;
  }

  private void stopLeading() {
    leading = false;
    seen = MeshView.EMPTY; // a new term checks every model with copies once
    backoffEnds.clear();
  }

  /**
   * Models whose copies differ between two views: persistent maps keep an unchanged model's
   * copy map identical, so this costs O(models with copies), not O(registered models). When
   * nodes left, the models with copies on them count too (their copy records vanish with the
   * node's lease, perhaps in a later pass).
   */
  static Set<String> changedCopies(MeshView before, MeshView after) {
    Set<String> changed = new HashSet<>();
    Set<String> departed = new HashSet<>(before.instances().keySet());
    departed.removeAll(after.instances().keySet());
    after.copies().forEach((id, byInstance) -> {
      if (before.copies().get(id) != byInstance
          || (!departed.isEmpty() && !java.util.Collections.disjoint(byInstance.keySet(),
              departed))) {
        changed.add(id);
      }
    });
    for (String id : before.copies().keySet()) {
      if (!after.copies().containsKey(id)) {
        changed.add(id);
      }
    }
    return changed;
  }

  /** Vmodels are mirrored whole; only those in transition cost anything. */
  private void transitions(MeshView view) {
    for (VModelRecord v : registry.vmodels()) {
      pendingSplit(v, view);
      String target = v.getTargetModelId();
      if (target.equals(v.getActiveModelId())) {
        continue;
      }
      if (!view.loadedOn(target).isEmpty()) {
        transitions.modelLoaded(target);
      } else if (failedRecently(target)) {
        transitions.modelLoadFailed(target);
      } else if (view.copiesOf(target).isEmpty() && !view.claims().containsKey(target)) {
        registry.model(target).ifPresent(m -> quietly(() ->
            copies.ensureCopy(ModelResolver.specOf(m.value()))));
      }
    }
  }

  /** A split waiting for its models: load those without a copy, apply it once all are loaded. */
  private void pendingSplit(VModelRecord v, MeshView view) {
    for (var route : v.getPendingRoutesList()) {
      String id = route.getModelId();
      if (!view.loadedOn(id).isEmpty()) {
        transitions.modelLoaded(id);
      } else if (view.copiesOf(id).isEmpty() && !view.claims().containsKey(id)
          && !failedRecently(id)) {
        registry.model(id).ifPresent(m -> quietly(() ->
            copies.ensureCopy(ModelResolver.specOf(m.value()))));
      }
    }
  }

  private void minCopies(ModelRecord m, MeshView view) {
    if (m.getMinCopies() <= 0) {
      return;
    }
    int have = 0;
    for (CopyRecord c : view.copiesOf(m.getModelId()).values()) {
      have += view.instances().containsKey(c.getInstanceId()) ? 1 : 0;
    }
    if (have >= m.getMinCopies()) {
      return;
    }
    Set<String> failed = failedOn(m);
    if (failed.isEmpty()) {
      quietly(() -> copies.addCopy(ModelResolver.specOf(m), failed));
    } else {
      backoffEnds.put(m.getModelId(), newestFailure(m) + failureExpiry.toMillis());
    }
  }

  /** Models whose load-failure backoff ended since the last pass get their min copies check. */
  private void backoffEnded() {
    long now = clock.millis();
    List<String> due = backoffEnds.entrySet().stream()
        .filter(e -> e.getValue() <= now).map(Map.Entry::getKey).toList();
    MeshView view = registry.view();
    for (String id : due) {
      backoffEnds.remove(id);
      registry.model(id).ifPresent(m -> minCopies(m.value(), view));
    }
  }

  /** One page of the slow sweep: min copies, failure pruning and proactive loads. */
  private void sweep(MeshView view) {
    List<ModelRecord> page = registry.models(sweepAfter, SWEEP_PAGE);
    sweepAfter = page.size() < SWEEP_PAGE ? "" : page.get(page.size() - 1).getModelId();
    for (ModelRecord m : page) {
      minCopies(m, view);
      pruneFailures(m);
    }
    if (proactiveLoads && proactiveEnabled.getAsBoolean()) {
      proactive(view, page);
    }
  }

  private void pruneFailures(ModelRecord m) {
    long since = clock.millis() - failureExpiry.toMillis();
    if (m.getFailuresCount() == 0 || m.getFailuresList().stream()
        .allMatch(f -> f.getTime() >= since)) {
      return;
    }
    Optional<Versioned<ModelRecord>> current = registry.model(m.getModelId());
    if (current.isEmpty()) {
      return;
    }
    ModelRecord.Builder pruned = current.get().value().toBuilder().clearFailures();
    for (LoadFailure f : current.get().value().getFailuresList()) {
      if (f.getTime() >= since) {
        pruned.addFailures(f);
      }
    }
    registry.putModel(pruned.build(), current.get().version()); // lost race: next sweep
  }

  private void proactive(MeshView view, List<ModelRecord> page) {
    long capacity = 0;
    long used = 0;
    for (InstanceRecord i : view.instances().values()) {
      if (!i.getDraining()) {
        capacity += i.getCapacityBytes();
        used += i.getUsedBytes();
      }
    }
    if (capacity == 0 || (capacity - used) < capacity * PROACTIVE_FREE_FRACTION) {
      return;
    }
    List<ModelRecord> idle = page.stream()
        .filter(m -> view.copiesOf(m.getModelId()).isEmpty()
            && !view.claims().containsKey(m.getModelId())
            && m.getFailuresCount() == 0
            && m.getUnloadedAt() == 0) // a client unloaded it: not warmed again behind its back
        .sorted(Comparator.comparingLong(ModelRecord::getLastUsed).reversed())
        .limit(PROACTIVE_LOADS_PER_PASS)
        .toList();
    for (ModelRecord m : idle) {
      quietly(() -> copies.ensureCopy(ModelResolver.specOf(m)));
    }
  }

  private boolean failedRecently(String modelId) {
    return registry.model(modelId).map(m -> !failedOn(m.value()).isEmpty()).orElse(false);
  }

  private Set<String> failedOn(ModelRecord m) {
    long since = clock.millis() - failureExpiry.toMillis();
    Set<String> out = new HashSet<>();
    for (LoadFailure f : m.getFailuresList()) {
      if (f.getTime() >= since) {
        out.add(f.getInstanceId());
      }
    }
    return out;
  }

  private static long newestFailure(ModelRecord m) {
    return m.getFailuresList().stream().mapToLong(LoadFailure::getTime).max().orElse(0);
  }

  private static void quietly(Runnable chore) {
    try {
      chore.run();
    } catch (RuntimeException e) {
      log.debug("leader chore failed: {}", e.getMessage());
    }
  }
}
