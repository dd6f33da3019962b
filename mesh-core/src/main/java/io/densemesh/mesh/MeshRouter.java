package io.densemesh.mesh;

import io.densemesh.api.registry.CopyRecord;
import io.densemesh.api.registry.InstanceRecord;
import io.densemesh.api.registry.LoadFailure;
import io.densemesh.api.registry.ModelRecord;
import io.densemesh.cache.CopyState;
import io.densemesh.cache.ModelCache;
import io.densemesh.placement.ClusterSnapshot;
import io.densemesh.placement.InstanceView;
import io.densemesh.placement.ModelDemand;
import io.densemesh.placement.PlacementRequest;
import io.densemesh.registry.MeshView;
import io.densemesh.registry.Registry;
import io.densemesh.registry.Versioned;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.error.ModelLoadException;
import io.densemesh.runtime.error.UnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides where one request is served, from this node's registry view only (no registry call
 * on a hit): a local copy; else a peer with a LOADED copy (the less busy of two random
 * holders); else the node already loading it (claim or LOADING copy); else, on a cluster-wide
 * miss, the node placement chooses, which claims the load so it happens once.
 *
 * <p>A model whose load failed recently on enough nodes fails fast with the reason instead of
 * being retried everywhere; nodes where it failed are not chosen again within the backoff.
 */
public final class MeshRouter {

  private static final Logger log = LoggerFactory.getLogger(MeshRouter.class);

  /** Forwarded at most this often; past it a node serves (loads) itself. */
  public static final int MAX_HOPS = 2;

  /** A model that failed on this many nodes (or on all, when fewer) fails fast. */
  static final int FAIL_FAST_NODES = 3;

  private final String self;
  private final ModelCache cache;
  private final Registry registry;
  private final LivePolicies policies;
  private final Peers peers;
  private final Clock clock;
  private final Duration failureExpiry;
  private final RecentPlacements recent;

  public MeshRouter(String self, ModelCache cache, Registry registry, LivePolicies policies,
      Peers peers, Clock clock, Duration failureExpiry) {
    this.self = self;
    this.cache = cache;
    this.registry = registry;
    this.policies = policies;
    this.peers = peers;
    this.clock = clock;
    this.failureExpiry = failureExpiry;
    this.recent = new RecentPlacements(clock);
  }

  public String self() {
    return self;
  }

  public Route route(ModelSpec model, RouteHints hints) {
    return route(model, hints, true);
  }

  /**
   * The route when it is known from this node's view alone: a copy here, a peer holding or
   * loading a copy, or a peer that claimed the load. Null where routing would write to the
   * registry (claim a load), place a new copy, or serve a request whose model is not here yet
   * (which starts a load): the caller routes it with {@link #route} on a thread that may block.
   * Never blocks, so it may run on a transport thread.
   */
  public Route routeWithoutBlocking(ModelSpec model, RouteHints hints) {
    return route(model, hints, false);
  }

  private Route route(ModelSpec model, RouteHints hints, boolean mayBlock) {
    String id = model.modelId();
    Optional<CopyState> local = cache.copyState(id);
    if (local.isPresent() && local.get().phase() != CopyState.Phase.FAILED) {
      return Route.LOCAL;
    }
    MeshView view = registry.view();
    if (view.instances().size() <= 1 && view.instances().keySet().stream()
        .allMatch(self::equals)) {
      return mayBlock ? Route.LOCAL : null; // alone in the mesh
    }
    if (hints.loadHere()) {
      return mayBlock ? claimOrLocal(id, view, hints) : null;
    }
    Set<String> failedOn = recentFailures(id, view);
    List<String> loaded = usable(view.loadedOn(id), view, hints);
    if (!loaded.isEmpty()) {
      return remote(lessBusyOfTwo(loaded, view), view, false);
    }
    if (hints.hops() >= MAX_HOPS) {
      return mayBlock ? Route.LOCAL : null;
    }
    String claimant = view.claims().get(id);
    if (claimant != null && !claimant.equals(self) && usable(claimant, view, hints)) {
      return remote(claimant, view, false);
    }
    for (CopyRecord copy : view.copiesOf(id).values()) {
      if (copy.getState() == CopyRecord.State.LOADING && usable(copy.getInstanceId(), view, hints)
          && !copy.getInstanceId().equals(self)) {
        return remote(copy.getInstanceId(), view, false);
      }
    }
    if (!mayBlock) {
      return null; // a cluster-wide miss: placement and a claim
    }
    Set<String> excluded = new HashSet<>(hints.excluded());
    excluded.addAll(failedOn);
    Optional<String> target = place(model, view, excluded, Set.of());
    if (target.isEmpty() || target.get().equals(self)) {
      return claimOrLocal(id, view, hints);
    }
    return remote(target.get(), view, true);
  }

  /** Chooses a node for a new copy of {@code model}, not one of {@code holders}. */
  public Optional<String> place(ModelSpec model, MeshView view, Set<String> excluded,
      Set<String> holders) {
    Set<String> out = new HashSet<>(excluded);
    out.addAll(holders);
    List<InstanceView> instances = new ArrayList<>(view.instances().size());
    for (InstanceRecord r : view.instances().values()) {
      if (!acceptsType(r, model.type())) {
        out.add(r.getInstanceId());
      }
      instances.add(instanceView(r));
    }
    long size = knownSize(model.modelId(), view);
    long estimate = size > 0 ? size : typicalSize(view);
    Optional<Versioned<ModelRecord>> record = registry.model(model.modelId());
    int max = record.map(v -> v.value().getMaxCopies()).filter(m -> m > 0).orElse(Integer.MAX_VALUE);
    int min = record.map(v -> v.value().getMinCopies()).orElse(0);
    ModelDemand demand = new ModelDemand(model.modelId(),
        record.map(v -> v.value().getTenant()).orElse(""), size, size == 0,
        knownGpuBytes(model.modelId(), view), 0,
        Math.min(min, max), max, false, Map.of());
    PlacementRequest request = new PlacementRequest(demand, out,
        ThreadLocalRandom.current().nextLong(),
        recent.pending(recentLoads(view), typicalSize(view)));
    Optional<String> target = policies.current().placement().choose(request,
        new ClusterSnapshot(clock.millis(), instances, Map.of()), clock.millis());
    target.ifPresent(t -> recent.add(t, estimate));
    return target;
  }

  /** LOADING copies per instance that started within the pending horizon. */
  private Map<String, Integer> recentLoads(MeshView view) {
    long since = clock.millis() - RecentPlacements.HORIZON_MILLIS;
    Map<String, Integer> loading = new java.util.HashMap<>();
    for (Map<String, CopyRecord> byInstance : view.copies().values()) {
      for (CopyRecord c : byInstance.values()) {
        if (c.getState() == CopyRecord.State.LOADING && c.getSince() >= since) {
          loading.merge(c.getInstanceId(), 1, Integer::sum);
        }
      }
    }
    return loading;
  }

  /** Mean size of the copies the mesh has measured: the guess for a model never loaded. */
  private static long typicalSize(MeshView view) {
    long total = 0;
    long n = 0;
    for (Map<String, CopyRecord> byInstance : view.copies().values()) {
      for (CopyRecord c : byInstance.values()) {
        if (c.getSizeBytes() > 0) {
          total += c.getSizeBytes();
          n++;
        }
      }
      if (n >= 256) {
        break; // a sample is enough
      }
    }
    return n == 0 ? 1 << 20 : total / n;
  }

  /** Instances whose load of the model failed within the backoff; fails fast past the limit. */
  private Set<String> recentFailures(String modelId, MeshView view) {
    Optional<Versioned<ModelRecord>> record = registry.model(modelId);
    if (record.isEmpty() || record.get().value().getFailuresCount() == 0) {
      return Set.of();
    }
    long since = clock.millis() - failureExpiry.toMillis();
    Set<String> failedOn = new HashSet<>();
    String reason = "";
    for (LoadFailure f : record.get().value().getFailuresList()) {
      if (f.getTime() >= since) {
        if (failedOn.add(f.getInstanceId()) && reason.isEmpty()) {
          reason = f.getReason();
        }
      }
    }
    int alive = Math.max(1, view.instances().size());
    if (!failedOn.isEmpty() && failedOn.size() >= Math.min(FAIL_FAST_NODES, alive)) {
      throw new ModelLoadException("model '" + modelId + "' failed to load on "
          + failedOn.size() + " node(s) within " + failureExpiry.toSeconds() + " s: " + reason);
    }
    return failedOn;
  }

  private Route claimOrLocal(String modelId, MeshView view, RouteHints hints) {
    String holder;
    try {
      holder = registry.claimLoad(modelId, self);
    } catch (UnavailableException e) {
      log.debug("cannot claim {} (registry unavailable); loading here", modelId);
      return Route.LOCAL;
    }
    if (holder.equals(self) || !usable(holder, view, hints) || hints.hops() >= MAX_HOPS) {
      return Route.LOCAL;
    }
    return remote(holder, view, false);
  }

  private Route remote(String instanceId, MeshView view, boolean loadHere) {
    InstanceRecord peer = view.instances().get(instanceId);
    return new Route.Remote(instanceId, peer.getAddress(), loadHere);
  }

  private String lessBusyOfTwo(List<String> holders, MeshView view) {
    if (holders.size() == 1) {
      return holders.get(0);
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    int a = random.nextInt(holders.size());
    int b = random.nextInt(holders.size() - 1);
    if (b >= a) {
      b++;
    }
    String first = holders.get(a);
    String second = holders.get(b);
    int loadA = peers.inFlight(view.instances().get(first).getAddress());
    int loadB = peers.inFlight(view.instances().get(second).getAddress());
    return loadA <= loadB ? first : second;
  }

  private List<String> usable(List<String> instances, MeshView view, RouteHints hints) {
    List<String> out = new ArrayList<>(instances.size());
    for (String id : instances) {
      if (!id.equals(self) && usable(id, view, hints)) {
        out.add(id);
      }
    }
    return out;
  }

  private static boolean usable(String instanceId, MeshView view, RouteHints hints) {
    InstanceRecord r = view.instances().get(instanceId);
    return r != null && !r.getAddress().isEmpty() && !hints.excluded().contains(instanceId);
  }

  /** A node takes a model type when it names no formats, or names this one. */
  static boolean acceptsType(InstanceRecord instance, String type) {
    boolean restricted = false;
    for (String label : instance.getLabelsMap().keySet()) {
      if (label.startsWith("format:")) {
        restricted = true;
        if (label.substring("format:".length()).equalsIgnoreCase(type)) {
          return true;
        }
      }
    }
    return !restricted;
  }

  private static long knownSize(String modelId, MeshView view) {
    for (CopyRecord c : view.copiesOf(modelId).values()) {
      if (c.getSizeBytes() > 0) {
        return c.getSizeBytes();
      }
    }
    return 0;
  }

  /**
   * GPU memory a copy of the model measured (the largest its copies report): a model that ran on
   * a GPU is placed only where a GPU can hold it. 0 when no copy used a GPU.
   */
  static long knownGpuBytes(String modelId, MeshView view) {
    long gpu = 0;
    for (CopyRecord c : view.copiesOf(modelId).values()) {
      gpu = Math.max(gpu, c.getGpuBytes());
    }
    return gpu;
  }

  static InstanceView instanceView(InstanceRecord r) {
    return new InstanceView(r.getInstanceId(), r.getZone(), r.getLabelsMap(),
        r.getCapacityBytes(), Math.min(r.getUsedBytes(), r.getCapacityBytes()),
        r.getGpuCapacityBytes(), Math.min(r.getGpuUsedBytes(), r.getGpuCapacityBytes()),
        Math.max(1, r.getLoadingSlots()), r.getLoadsInProgress(), r.getDraining(),
        r.getInFlight(), r.getOldestUse() == 0 ? Long.MAX_VALUE : r.getOldestUse());
  }
}
