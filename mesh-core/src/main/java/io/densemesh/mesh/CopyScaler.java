package io.densemesh.mesh;

import io.densemesh.api.registry.CopyRecord;
import io.densemesh.api.registry.ModelRecord;
import io.densemesh.cache.CacheListener;
import io.densemesh.cache.CopyState;
import io.densemesh.cache.ModelCache;
import io.densemesh.placement.CopyPolicy;
import io.densemesh.placement.ModelDemand;
import io.densemesh.placement.ModelUsage;
import io.densemesh.registry.MeshView;
import io.densemesh.registry.Registry;
import io.densemesh.registry.Versioned;
import io.densemesh.serving.ModelResolver;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies by request rate, decided by each node for the copies it holds (it alone knows their
 * rate; no per-request registry traffic). Every period it turns each local copy's request count
 * into a rate, estimates the model's mesh-wide rate as that rate times its loaded copies (the
 * router spreads requests over holders), and asks the live {@link CopyPolicy} how many copies the
 * model should have: more than it has, and this node asks placement for another node to load
 * one; fewer, and the node drops its own copy unless it is the model's first holder (so two
 * nodes never both drop the last copies), and only once the copy is older than one period.
 */
public final class CopyScaler implements CacheListener {

  private static final Logger log = LoggerFactory.getLogger(CopyScaler.class);

  private final String self;
  private final ModelCache cache;
  private final Registry registry;
  private final LivePolicies policies;
  private final CopyLoader loader;
  private final Clock clock;
  private final Duration period;
  private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
  private final ScaleUpThrottle throttle;
  private long lastTickMillis;

  public CopyScaler(String self, ModelCache cache, Registry registry, LivePolicies policies,
      CopyLoader loader, Clock clock, Duration period) {
    this.self = self;
    this.cache = cache;
    this.registry = registry;
    this.policies = policies;
    this.loader = loader;
    this.clock = clock;
    this.period = period;
    this.throttle = new ScaleUpThrottle(2 * period.toMillis());
    this.lastTickMillis = clock.millis();
  }

  @Override
  public void hit(String modelId) {
    requests.computeIfAbsent(modelId, k -> new LongAdder()).increment();
  }

  @Override
  public void miss(String modelId) {
    hit(modelId);
  }

  /** One scaling pass; called every period. */
  public void tick() {
    long now = clock.millis();
    double seconds = Math.max(0.001, (now - lastTickMillis) / 1000.0);
    lastTickMillis = now;
    MeshView view = registry.view();
    CopyPolicy policy = policies.current().copies();
    Map<String, CopyState> local = cache.copies();
    for (Map.Entry<String, CopyState> e : local.entrySet()) {
      String id = e.getKey();
      LongAdder counter = requests.get(id);
      long count = counter == null ? 0 : counter.sumThenReset();
      if (e.getValue().phase() != CopyState.Phase.LOADED) {
        continue;
      }
      Optional<Versioned<ModelRecord>> record = registry.model(id);
      if (record.isEmpty()) {
        continue;
      }
      List<String> loadedOn = view.loadedOn(id);
      int copies = Math.max(1, view.copiesOf(id).size());
      double meshRate = count / seconds * Math.max(1, loadedOn.size());
      ModelRecord r = record.get().value();
      int max = r.getMaxCopies() > 0 ? r.getMaxCopies() : Integer.MAX_VALUE;
      int min = Math.min(r.getMinCopies(), max);
      ModelDemand demand = new ModelDemand(id, r.getTenant(), e.getValue().sizeBytes(), false, 0,
          e.getValue().loadMillis(), min, Math.max(1, max), false, Map.of());
      int target = policy.target(demand,
          new ModelUsage(id, lastUse(id, count, now), meshRate, copies), now);
      if (target > copies) {
        scaleUp(id, r, now);
      } else if (target < copies && copies > Math.max(1, min)
          && !loadedOn.isEmpty() && !loadedOn.get(0).equals(self)
          && now - e.getValue().sinceMillis() >= period.toMillis()) {
        log.info("dropping surplus copy of {} ({} copies, {} wanted, {} req/s)", id, copies,
            target, String.format("%.1f", meshRate));
        cache.unload(id);
      }
    }
    requests.keySet().retainAll(local.keySet());
    throttle.prune(now, local.keySet());
  }

  private long lastUse(String id, long count, long now) {
    return count > 0 ? now : Math.max(0, now - 2 * period.toMillis());
  }

  private void scaleUp(String id, ModelRecord r, long now) {
    if (!throttle.tryAcquire(id, now)) {
      return; // the previous scale-up may not be visible yet
    }
    try {
      if (loader.addCopy(ModelResolver.specOf(r), new HashSet<>())) {
        log.info("model {} is busy; adding a copy", id);
      }
    } catch (RuntimeException ex) {
      log.debug("adding a copy of {} failed: {}", id, ex.getMessage());
    }
  }

  /** True for copies eviction must keep: the last ones of a model with min copies. */
  public boolean protectedCopy(String modelId) {
    Optional<Versioned<ModelRecord>> record;
    try {
      record = registry.model(modelId);
    } catch (io.densemesh.runtime.error.MeshException unavailable) {
      return !registry.view().copiesOf(modelId).isEmpty(); // unsure: keep it
    }
    if (record.isEmpty() || record.get().value().getMinCopies() <= 0) {
      return false;
    }
    long loaded = registry.view().copiesOf(modelId).values().stream()
        .filter(c -> c.getState() == CopyRecord.State.LOADED).count();
    return loaded <= record.get().value().getMinCopies();
  }
}
