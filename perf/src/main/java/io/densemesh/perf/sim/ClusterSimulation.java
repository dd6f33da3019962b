package io.densemesh.perf.sim;

import io.densemesh.placement.ClusterSnapshot;
import io.densemesh.placement.DeficitCover;
import io.densemesh.placement.EvictionPlan;
import io.densemesh.placement.InstanceView;
import io.densemesh.placement.ModelDemand;
import io.densemesh.placement.PendingPlacements;
import io.densemesh.placement.PlacementRequest;
import io.densemesh.placement.PolicySet;
import io.densemesh.placement.ResidentCopy;
import io.densemesh.placement.TenantQuotas;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * Replays one trace through a simulated cluster driven by one {@link PolicySet}.
 *
 * <p>Design: single-threaded discrete-time replay on the trace's simulated clock. A request is a
 * hit when a ready copy exists; when a copy is still loading it waits the remainder; otherwise the
 * placement policy picks a node from the cluster snapshot, which is refreshed only every {@link
 * ClusterSpec#refreshMillis()} (every decision in between sees the same stale view, as deciders on
 * different pods do), the chosen node runs the eviction policy on its own current state, and the
 * load queues for one of the node's loading slots. Routing (which node holds which model) is
 * current, as in a registry-backed mesh; only load and capacity figures are stale.
 *
 * <p>Eviction uses the policy's own {@code retention} order kept in a sorted index per node and the
 * shared {@link DeficitCover} walk, which yields exactly the plan {@code victims()} computes (a
 * test checks this) without re-sorting every copy on every load.
 *
 * <p>Deciders: every node is also a decider (a mesh pod that receives requests and places loads).
 * Each request enters at a decider drawn uniformly from a random stream of its own (so the draw
 * changes no other policy's decisions). A decider remembers the loads it has itself placed since
 * the last snapshot and passes them as {@link PlacementRequest#pending()}; it never sees the other
 * deciders' decisions until the next snapshot, when every decider's pending list is cleared.
 * Policies other than {@code p2c-pending} ignore it. The {@code -mesh} presets model the etcd
 * mesh, where a load's LOADING copy record reaches every decider within milliseconds: there every
 * decider's pending loads are visible to all.
 */
public final class ClusterSimulation {

  private final Trace trace;
  private final ModelCatalog catalog;
  private final ClusterSpec spec;
  private final PolicySet policies;
  private final String policyName;
  private final boolean seesOthersLoads;
  private final SimNode[] nodes;
  private final SimulatedCopy[][] copiesOf;
  private final int[] copyCount;
  private final SplittableRandom random;
  private final SplittableRandom entry;
  private final int[][] pendingLoads;
  private final long[][] pendingBytes;
  private int decider;
  private final SimulatedCopyScaling scaler;
  private final WaitRecorder waits = new WaitRecorder();
  private final HerdMeter herd;
  private ClusterSnapshot snapshot;

  private long hits;
  private long joined;
  private long failed;
  private long loads;
  private long copyLoads;
  private long bytesLoaded;
  private long evictions;
  private long bytesEvicted;
  private long unloads;
  private long bigDeficit;
  private long bigEvicted;
  private int bigVictims;
  private boolean bigLoaded;
  private boolean selfCheck;

  public ClusterSimulation(
      Trace trace, ClusterSpec spec, String policyName, PolicySet policies, long seed) {
    this.trace = trace;
    this.catalog = trace.catalog();
    this.spec = spec;
    this.policies = policies;
    this.policyName = policyName;
    this.seesOthersLoads = PolicyPresets.seesOthersLoads(policyName);
    this.nodes = new SimNode[spec.nodes()];
    for (int n = 0; n < nodes.length; n++) {
      nodes[n] = new SimNode(n, spec.capacityBytesPerNode(), spec.loadingSlots(), catalog.tenantCount());
    }
    this.copiesOf = new SimulatedCopy[catalog.size()][];
    this.copyCount = new int[catalog.size()];
    this.random = new SplittableRandom(seed);
    this.entry = new SplittableRandom(seed ^ 0x5DEECE66DL);
    this.pendingLoads = new int[spec.nodes()][spec.nodes()];
    this.pendingBytes = new long[spec.nodes()][spec.nodes()];
    this.herd = new HerdMeter(spec.nodes(), spec.herdWindowMillis());
    this.scaler = new SimulatedCopyScaling(this, catalog, policies.copies(), spec.refreshMillis(),
        policies.config().idleTtlMillis());
  }

  /**
   * For tests: after every eviction, check that the indexed walk chose exactly what the policy's
   * own {@code victims()} chooses from the full list (quota-free policies), and that no node holds
   * more than its capacity.
   */
  ClusterSimulation withSelfCheck() {
    selfCheck = true;
    return this;
  }

  /** Replays the whole trace and reports. */
  public SimReport run() {
    long[] times = trace.timeMillis();
    int[] models = trace.model();
    long nextRefresh = times.length == 0 ? 0 : times[0];
    for (int i = 0; i < times.length; i++) {
      long now = times[i];
      while (now >= nextRefresh) {
        refreshSnapshot(nextRefresh);
        scaler.tick(nextRefresh);
        nextRefresh += spec.refreshMillis();
      }
      request(models[i], now);
    }
    return new SimReport(policyName, trace.length(), hits, joined, failed, loads, copyLoads,
        bytesLoaded, evictions, bytesEvicted, unloads, waits.totalMillis(), waits.quantile(0.99),
        herd.factor(), herd.overallImbalance(), bigDeficit, bigEvicted, bigVictims);
  }

  private void request(int model, long now) {
    decider = entry.nextInt(nodes.length);
    scaler.recordUse(model, now);
    SimulatedCopy copy = bestCopy(model, now);
    long wait;
    if (copy == null) {
      copy = load(model, now, false);
      if (copy == null) {
        failed++;
        return;
      }
      wait = copy.readyAtMillis - now;
    } else {
      wait = Math.max(0, copy.readyAtMillis - now);
      if (wait == 0) {
        hits++;
      } else {
        joined++;
      }
    }
    use(copy, now, wait);
    waits.record(wait);
  }

  /** A ready copy, the least busy; else the copy that will be ready first. */
  private SimulatedCopy bestCopy(int model, long now) {
    SimulatedCopy best = null;
    for (int i = 0; i < copyCount[model]; i++) {
      SimulatedCopy c = copiesOf[model][i];
      if (best == null || rank(c, now) < rank(best, now)) {
        best = c;
      }
    }
    return best;
  }

  private static long rank(SimulatedCopy c, long now) {
    return c.readyAtMillis <= now ? Math.max(now, c.busyUntilMillis) : c.readyAtMillis + (1L << 40);
  }

  private void use(SimulatedCopy copy, long now, long wait) {
    copy.node.byRetention.remove(copy);
    copy.lastUsedMillis = now;
    copy.useCount++;
    copy.busyUntilMillis = Math.max(copy.busyUntilMillis, now + wait) + spec.serviceMillis();
    copy.retention = policies.eviction().retention(resident(copy, now));
    copy.node.byRetention.add(copy);
    copy.node.touched(copy);
  }

  /**
   * Places, makes room and starts loading a new copy; null when no node can take it. A node that
   * cannot make room (everything on it in use) is excluded and placement asked again, as a mesh
   * retries a failed load elsewhere.
   */
  SimulatedCopy load(int model, long now, boolean extraCopy) {
    ModelDemand demand = catalog.demand(model);
    Set<String> excluded = holders(model);
    long size = catalog.sizeBytes(model);
    for (int attempt = 0; attempt < nodes.length; attempt++) {
      PlacementRequest request =
          new PlacementRequest(demand, excluded, random.nextLong(), pending(decider));
      Optional<String> choice = policies.placement().choose(request, snapshot, now);
      if (choice.isEmpty()) {
        return null;
      }
      SimNode node = nodes[nodeIndex(choice.get())];
      long deficit = node.usedBytes + size - node.capacityBytes;
      if (deficit <= 0 || evict(node, model, deficit, now)) {
        pendingLoads[decider][node.index]++;
        pendingBytes[decider][node.index] += size;
        return startLoad(model, node, now, extraCopy);
      }
      excluded = new HashSet<>(excluded);
      excluded.add(node.id);
    }
    return null;
  }

  /**
   * What decider {@code d} has itself placed since the last snapshot; with a mesh view
   * ({@link PolicyPresets#seesOthersLoads}), what every decider has placed.
   */
  private PendingPlacements pending(int d) {
    Map<String, Integer> loadsByNode = null;
    Map<String, Long> bytesByNode = null;
    for (int n = 0; n < nodes.length; n++) {
      int loads = 0;
      long bytes = 0;
      if (seesOthersLoads) {
        for (int other = 0; other < nodes.length; other++) {
          loads += pendingLoads[other][n];
          bytes += pendingBytes[other][n];
        }
      } else {
        loads = pendingLoads[d][n];
        bytes = pendingBytes[d][n];
      }
      if (loads > 0) {
        if (loadsByNode == null) {
          loadsByNode = new HashMap<>();
          bytesByNode = new HashMap<>();
        }
        loadsByNode.put(nodes[n].id, loads);
        bytesByNode.put(nodes[n].id, bytes);
      }
    }
    return loadsByNode == null
        ? PendingPlacements.NONE
        : new PendingPlacements(loadsByNode, bytesByNode);
  }

  private int nodeIndex(String id) {
    for (SimNode node : nodes) {
      if (node.id.equals(id)) {
        return node.index;
      }
    }
    throw new IllegalStateException("placement chose an unknown instance " + id);
  }

  private SimulatedCopy startLoad(int model, SimNode node, long now, boolean extraCopy) {
    long size = catalog.sizeBytes(model);
    long readyAt = node.startLoad(now, catalog.loadMillis(model));
    SimulatedCopy copy = new SimulatedCopy(model, catalog.idRank(model), node, readyAt, now);
    copy.retention = policies.eviction().retention(resident(copy, now));
    node.byRetention.add(copy);
    node.touched(copy);
    node.usedBytes += size;
    node.tenantBytes[catalog.tenant(model)] += size;
    if (copiesOf[model] == null || copiesOf[model].length == copyCount[model]) {
      SimulatedCopy[] grown = new SimulatedCopy[copyCount[model] + 1];
      if (copiesOf[model] != null) {
        System.arraycopy(copiesOf[model], 0, grown, 0, copyCount[model]);
      }
      copiesOf[model] = grown;
    }
    copiesOf[model][copyCount[model]++] = copy;
    loads++;
    bytesLoaded += size;
    if (extraCopy) {
      copyLoads++;
    }
    herd.recordLoad(node.index, now);
    if (selfCheck && !withinCapacity()) {
      throw new IllegalStateException("capacity exceeded on " + node.id + " at " + now);
    }
    return copy;
  }

  private boolean evict(SimNode node, int incoming, long deficit, long now) {
    EvictionPlan plan = policies.quotas().enabled()
        ? DeficitCover.cover(inEvictionOrder(node, now), overQuota(node, incoming), deficit)
        : DeficitCover.cover(inEvictionOrder(node, now), deficit);
    if (selfCheck && !policies.quotas().enabled()) {
      List<ResidentCopy> all = new ArrayList<>();
      inEvictionOrder(node, now).forEach(all::add);
      java.util.Collections.shuffle(all, new java.util.Random(now));
      EvictionPlan expected = policies.eviction().victims(all, deficit, now);
      if (!expected.equals(plan)) {
        throw new IllegalStateException("indexed eviction " + plan + " != policy " + expected);
      }
    }
    if (!plan.sufficient()) {
      return false;
    }
    for (String victim : plan.victims()) {
      unload(copyOn(catalog.indexOf(victim), node));
    }
    evictions += plan.victims().size();
    bytesEvicted += plan.bytesFreed();
    if (incoming == catalog.bigModel() && !bigLoaded) {
      bigLoaded = true;
      bigDeficit = deficit;
      bigEvicted = plan.bytesFreed();
      bigVictims = plan.victims().size();
    }
    return true;
  }

  private Predicate<ResidentCopy> overQuota(SimNode node, int incoming) {
    TenantQuotas quotas = policies.quotas();
    int incomingTenant = catalog.tenant(incoming);
    long incomingBytes = catalog.sizeBytes(incoming);
    return copy -> {
      int tenant = catalog.tenant(catalog.indexOf(copy.modelId()));
      long bytes = node.tenantBytes[tenant] + (tenant == incomingTenant ? incomingBytes : 0);
      return bytes > quotas.quotaBytes(catalog.tenantName(tenant), node.capacityBytes);
    };
  }

  /** The node's copies in eviction order, converted lazily: a walk touches only what it takes. */
  private Iterable<ResidentCopy> inEvictionOrder(SimNode node, long now) {
    return () -> {
      Iterator<SimulatedCopy> it = node.byRetention.iterator();
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return it.hasNext();
        }

        @Override
        public ResidentCopy next() {
          return resident(it.next(), now);
        }
      };
    };
  }

  ResidentCopy resident(SimulatedCopy c, long now) {
    ModelDemand demand = catalog.demand(c.model);
    boolean protectedCopy = copyCount[c.model] <= demand.floorCopies();
    return new ResidentCopy(catalog.id(c.model), catalog.sizeBytes(c.model), c.lastUsedMillis,
        c.inUse(now) ? 1 : 0, protectedCopy, c.useCount, catalog.loadMillis(c.model));
  }

  void unload(SimulatedCopy copy) {
    SimNode node = copy.node;
    node.byRetention.remove(copy);
    node.unlinkUse(copy);
    long size = catalog.sizeBytes(copy.model);
    node.usedBytes -= size;
    node.tenantBytes[catalog.tenant(copy.model)] -= size;
    SimulatedCopy[] list = copiesOf[copy.model];
    int n = copyCount[copy.model];
    for (int i = 0; i < n; i++) {
      if (list[i] == copy) {
        list[i] = list[n - 1];
        list[n - 1] = null;
        copyCount[copy.model] = n - 1;
        return;
      }
    }
    throw new IllegalStateException("copy not registered: " + catalog.id(copy.model));
  }

  void countUnload() {
    unloads++;
  }

  int copyCount(int model) {
    return copyCount[model];
  }

  SimulatedCopy copy(int model, int i) {
    return copiesOf[model][i];
  }

  SimNode[] nodes() {
    return nodes;
  }

  private SimulatedCopy copyOn(int model, SimNode node) {
    for (int i = 0; i < copyCount[model]; i++) {
      if (copiesOf[model][i].node == node) {
        return copiesOf[model][i];
      }
    }
    throw new IllegalStateException("no copy of " + catalog.id(model) + " on " + node.id);
  }

  private Set<String> holders(int model) {
    if (copyCount[model] == 0) {
      return Set.of();
    }
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < copyCount[model]; i++) {
      ids.add(copiesOf[model][i].node.id);
    }
    return ids;
  }

  private void refreshSnapshot(long now) {
    List<InstanceView> views = new ArrayList<>(nodes.length);
    for (SimNode node : nodes) {
      views.add(node.view(now));
    }
    snapshot = ClusterSnapshot.of(now, views);
    for (int d = 0; d < nodes.length; d++) {
      java.util.Arrays.fill(pendingLoads[d], 0);
      java.util.Arrays.fill(pendingBytes[d], 0);
    }
  }

  /** For tests: memory in use on each node never exceeds its capacity. */
  boolean withinCapacity() {
    for (SimNode node : nodes) {
      if (node.usedBytes > node.capacityBytes || node.usedBytes < 0) {
        return false;
      }
    }
    return true;
  }
}
