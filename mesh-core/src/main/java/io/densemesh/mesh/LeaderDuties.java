package io.densemesh.mesh;

import io.densemesh.api.registry.CopyRecord;
import io.densemesh.api.registry.InstanceRecord;
import io.densemesh.api.registry.LoadFailure;
import io.densemesh.api.registry.ModelRecord;
import io.densemesh.api.registry.VModelRecord;
import io.densemesh.registry.MeshView;
import io.densemesh.registry.Registry;
import io.densemesh.registry.Versioned;
import io.densemesh.runtime.error.MeshException;
import io.densemesh.serving.ModelResolver;
import io.densemesh.serving.VModelManagement;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
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
 */
public final class LeaderDuties {

  private static final Logger log = LoggerFactory.getLogger(LeaderDuties.class);
  private static final int PROACTIVE_LOADS_PER_PASS = 2;
  private static final double PROACTIVE_FREE_FRACTION = 0.5;

  private final String self;
  private final Registry registry;
  private final CopyLoader loader;
  private final VModelManagement vmodels;
  private final Clock clock;
  private final Duration failureExpiry;
  private final boolean proactiveLoads;
  private final java.util.function.BooleanSupplier proactiveEnabled;
  private boolean leading;

  public LeaderDuties(String self, Registry registry, CopyLoader loader,
      VModelManagement vmodels, Clock clock, Duration failureExpiry, boolean proactiveLoads,
      java.util.function.BooleanSupplier proactiveEnabled) {
    this.proactiveEnabled = proactiveEnabled;
    this.self = self;
    this.registry = registry;
    this.loader = loader;
    this.vmodels = vmodels;
    this.clock = clock;
    this.failureExpiry = failureExpiry;
    this.proactiveLoads = proactiveLoads;
  }

  /** One pass: take the leadership if free, and do the chores when leading. */
  public void tick() {
    MeshView view = registry.view();
    String leader = view.leader();
    boolean canLead = leader.isEmpty() || leader.equals(self)
        || !view.instances().containsKey(leader);
    if (!canLead) {
      leading = false;
      return;
    }
    try {
      boolean now = registry.tryLead(self);
      if (now != leading) {
        log.info(now ? "this node is the mesh leader" : "this node is no longer the leader");
      }
      leading = now;
      if (!now) {
        return;
      }
      transitions(view);
      minCopies(view);
      pruneFailures();
      if (proactiveLoads && proactiveEnabled.getAsBoolean()) {
        proactive(view);
      }
    } catch (MeshException e) {
      log.debug("leader pass skipped: {}", e.getMessage());
    }
  }

  public boolean leading() {
    return leading;
  }

  private void transitions(MeshView view) {
    for (VModelRecord v : registry.vmodels()) {
      String target = v.getTargetModelId();
      if (target.equals(v.getActiveModelId())) {
        continue;
      }
      if (!view.loadedOn(target).isEmpty()) {
        vmodels.modelLoaded(target);
      } else if (failedRecently(target)) {
        vmodels.modelLoadFailed(target);
      } else if (view.copiesOf(target).isEmpty() && !view.claims().containsKey(target)) {
        registry.model(target).ifPresent(m -> quietly(() ->
            loader.ensureCopy(ModelResolver.specOf(m.value()), false)));
      }
    }
  }

  private void minCopies(MeshView view) {
    for (ModelRecord m : registry.models()) {
      if (m.getMinCopies() <= 0) {
        continue;
      }
      int have = 0;
      for (CopyRecord c : view.copiesOf(m.getModelId()).values()) {
        have += view.instances().containsKey(c.getInstanceId()) ? 1 : 0;
      }
      if (have < m.getMinCopies() && !failedRecently(m.getModelId())) {
        quietly(() -> loader.addCopy(ModelResolver.specOf(m), failedOn(m)));
      }
    }
  }

  private void pruneFailures() {
    long since = clock.millis() - failureExpiry.toMillis();
    for (ModelRecord m : registry.models()) {
      if (m.getFailuresCount() == 0 || m.getFailuresList().stream()
          .allMatch(f -> f.getTime() >= since)) {
        continue;
      }
      Optional<Versioned<ModelRecord>> current = registry.model(m.getModelId());
      if (current.isEmpty()) {
        continue;
      }
      ModelRecord.Builder pruned = current.get().value().toBuilder().clearFailures();
      for (LoadFailure f : current.get().value().getFailuresList()) {
        if (f.getTime() >= since) {
          pruned.addFailures(f);
        }
      }
      registry.putModel(pruned.build(), current.get().version()); // lost race: next pass
    }
  }

  private void proactive(MeshView view) {
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
    List<ModelRecord> idle = registry.models().stream()
        .filter(m -> view.copiesOf(m.getModelId()).isEmpty()
            && !view.claims().containsKey(m.getModelId())
            && m.getFailuresCount() == 0)
        .sorted(Comparator.comparingLong(ModelRecord::getLastUsed).reversed())
        .limit(PROACTIVE_LOADS_PER_PASS)
        .toList();
    for (ModelRecord m : idle) {
      quietly(() -> loader.ensureCopy(ModelResolver.specOf(m), false));
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

  private static void quietly(Runnable chore) {
    try {
      chore.run();
    } catch (RuntimeException e) {
      log.debug("leader chore failed: {}", e.getMessage());
    }
  }
}
