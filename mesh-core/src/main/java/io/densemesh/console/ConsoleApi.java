package io.densemesh.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.densemesh.api.registry.CopyRecord;
import io.densemesh.api.registry.InstanceRecord;
import io.densemesh.api.registry.LoadFailure;
import io.densemesh.api.registry.ModelRecord;
import io.densemesh.auth.TenantLimits;
import io.densemesh.cache.CopyState;
import io.densemesh.cache.ModelCache;
import io.densemesh.mesh.LivePolicies;
import io.densemesh.registry.MeshView;
import io.densemesh.registry.Registry;
import io.densemesh.registry.Versioned;
import io.densemesh.runtime.error.InvalidInputException;
import io.densemesh.runtime.error.ModelNotFoundException;
import io.densemesh.serving.ModelManagement;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The console's JSON, read from this node's registry view, cache and activity feed, never from
 * a full copy of the registry: the model table pages through the registry by id (a prefix search
 * starts at the prefix) and filters by tenant and state server-side, scanning at most
 * {@link #MAX_SCAN} records per page. Actions are the management calls a client makes
 * ({@link ModelManagement}, the placement settings' own validation, the mesh-wide unload),
 * audited in the feed.
 */
public final class ConsoleApi {

  /** Models per page at most. */
  public static final int MAX_PAGE = 200;
  /** Registry records one page may scan while filtering. */
  public static final int MAX_SCAN = 20_000;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String self;
  private final Registry registry;
  private final ModelCache cache;
  private final ModelManagement models;
  private final LivePolicies policies;
  private final ActivityFeed feed;
  private final NodeHistory history;
  private final ModelStats stats;
  /** Tenants of models with copies, for the memory-by-tenant bars (records rarely re-tenant). */
  private final Cache<String, String> tenants = Caffeine.newBuilder().maximumSize(100_000)
      .expireAfterWrite(Duration.ofMinutes(1)).build();

  public ConsoleApi(String self, Registry registry, ModelCache cache, ModelManagement models,
      LivePolicies policies, ActivityFeed feed, NodeHistory history, ModelStats stats) {
    this.self = self;
    this.registry = registry;
    this.cache = cache;
    this.models = models;
    this.policies = policies;
    this.feed = feed;
    this.history = history;
    this.stats = stats;
  }

  /** Nodes with their capacity and use, the leader, the live placement settings. */
  public ObjectNode mesh() {
    MeshView view = registry.view();
    ObjectNode out = JSON.createObjectNode().put("self", self).put("leader", view.leader())
        .put("revision", view.revision());
    ArrayNode nodes = out.putArray("nodes");
    Map<String, Map<String, Long>> byNode = bytesByTenant(view);
    view.instances().values().stream()
        .sorted(Comparator.comparing(InstanceRecord::getInstanceId))
        .forEach(i -> {
          ObjectNode n = nodes.addObject().put("id", i.getInstanceId())
              .put("address", i.getAddress()).put("zone", i.getZone())
              .put("capacityBytes", i.getCapacityBytes()).put("usedBytes", i.getUsedBytes())
              .put("gpuCapacityBytes", i.getGpuCapacityBytes())
              .put("gpuUsedBytes", i.getGpuUsedBytes())
              .put("loadedModels", i.getLoadedModels()).put("draining", i.getDraining())
              .put("leader", i.getInstanceId().equals(view.leader()));
          ObjectNode labels = n.putObject("labels");
          new TreeMap<>(i.getLabelsMap()).forEach(labels::put);
          ObjectNode byTenant = n.putObject("byTenant");
          byNode.getOrDefault(i.getInstanceId(), Map.of()).forEach(byTenant::put);
        });
    ObjectNode here = out.putObject("thisNode").put("capacityBytes", cache.capacityBytes())
        .put("usedBytes", cache.usedBytes()).put("loadedModels", cache.loadedCount())
        .put("loadsInProgress", cache.loadsInProgress())
        .put("loadingSlots", cache.loadingSlots());
    here.put("registeredModels", registry.modelCount());
    ObjectNode settings = out.putObject("placement");
    new TreeMap<>(view.config()).forEach(settings::put);
    return out;
  }

  /**
   * Bytes of each node's loaded copies by their models' tenant ("" for none), from the copy
   * records of the mesh view; at most {@link #MAX_SCAN} models are attributed to a tenant, the
   * rest count as {@code "(more)"}.
   */
  private Map<String, Map<String, Long>> bytesByTenant(MeshView view) {
    Map<String, Map<String, Long>> out = new HashMap<>();
    int seen = 0;
    for (Map.Entry<String, Map<String, CopyRecord>> model : view.copies().entrySet()) {
      String id = model.getKey();
      String tenant = null;
      for (CopyRecord copy : model.getValue().values()) {
        if (copy.getState() != CopyRecord.State.LOADED) {
          continue;
        }
        if (tenant == null) {
          tenant = ++seen > MAX_SCAN ? "(more)" : tenants.get(id, x -> registry.model(x)
              .map(r -> r.value().getTenant()).orElse(""));
        }
        out.computeIfAbsent(copy.getInstanceId(), i -> new TreeMap<>())
            .merge(tenant, copy.getSizeBytes(), Long::sum);
      }
    }
    return out;
  }

  /** This node's last hour in {@link NodeHistory#INTERVAL_SECONDS}-second intervals. */
  public ObjectNode history() {
    ObjectNode out = JSON.createObjectNode().put("intervalSeconds", NodeHistory.INTERVAL_SECONDS)
        .put("node", self);
    ArrayNode points = out.putArray("points");
    for (NodeHistory.Point p : history.points()) {
      points.addObject().put("time", p.time()).put("seconds", p.seconds()).put("hits", p.hits())
          .put("misses", p.misses()).put("hitRatio", p.hitRatio()).put("loads", p.loads())
          .put("failures", p.failures()).put("evictions", p.evictions())
          .put("requests", p.requests());
    }
    return out;
  }

  /**
   * One page of the model table.
   *
   * @param prefix only ids starting with it
   * @param tenant only this tenant's models (empty: any)
   * @param state {@code loaded} (a LOADED copy somewhere), {@code failed} (a recent load failure),
   *     {@code idle} (no copy), or empty for any
   * @param after continue after this id (the previous page's {@code next})
   */
  public ObjectNode models(String prefix, String tenant, String state, String after,
      int limit) {
    if (!List.of("", "loaded", "failed", "idle").contains(state)) {
      throw new InvalidInputException("state must be loaded, failed or idle");
    }
    int size = limit <= 0 ? 50 : Math.min(limit, MAX_PAGE);
    String cursor = after.isEmpty() ? before(prefix) : after;
    MeshView view = registry.view();
    ObjectNode out = JSON.createObjectNode();
    ArrayNode rows = out.putArray("models");
    int scanned = 0;
    String next = "";
    scan:
    while (scanned < MAX_SCAN) {
      List<ModelRecord> page = registry.models(cursor, 500);
      for (ModelRecord m : page) {
        cursor = m.getModelId();
        scanned++;
        if (!m.getModelId().startsWith(prefix)) {
          break scan; // past the prefix: ids are in order
        }
        if ((tenant.isEmpty() || tenant.equals(m.getTenant())) && matches(state, m, view)) {
          if (rows.size() == size) {
            next = rows.get(size - 1).get("id").asText();
            break scan;
          }
          rows.add(row(m, view));
        }
        if (scanned >= MAX_SCAN) {
          next = cursor; // the scan bound: the next page continues from here
          break scan;
        }
      }
      if (page.size() < 500) {
        break;
      }
    }
    out.put("next", next).put("scanned", scanned);
    return out;
  }

  /** One model in detail, with this node's recent activity for it. */
  public ObjectNode model(String id) {
    Optional<Versioned<ModelRecord>> found = registry.model(id);
    if (found.isEmpty()) {
      throw new ModelNotFoundException("model '" + id + "' is not registered");
    }
    ModelRecord m = found.get().value();
    ObjectNode out = row(m, registry.view());
    out.put("key", m.getKey().isEmpty() ? "" : "(set)").put("registeredAt", m.getRegisteredAt())
        .put("status", models.status(id).getStatus().name());
    Optional<CopyState> here = cache.copyState(id);
    here.ifPresent(c -> out.putObject("here").put("phase", c.phase().name())
        .put("sizeBytes", c.sizeBytes()).put("loadMillis", c.loadMillis())
        .put("since", c.sinceMillis()).put("failure", c.failure() == null ? "" : c.failure()));
    ArrayNode activity = out.putArray("activity");
    feed.recent().stream().filter(e -> e.path("subject").asText().equals(id))
        .forEach(activity::add);
    stats.of(id).ifPresent(s -> {
      ObjectNode latency = out.putObject("latency");
      ArrayNode bounds = latency.putArray("boundsMicros");
      for (long b : LatencyHistogram.BOUNDS_MICROS) {
        bounds.add(b);
      }
      ArrayNode counts = latency.putArray("counts");
      long total = 0;
      for (long c : s.counts()) {
        counts.add(c);
        total += c;
      }
      latency.put("count", total).put("errors", s.errors())
          .put("p50Micros", LatencyHistogram.quantileMicros(s.counts(), 0.5))
          .put("p99Micros", LatencyHistogram.quantileMicros(s.counts(), 0.99));
      ArrayNode minutes = out.putArray("minutes");
      s.minutes().forEach(x -> minutes.addObject().put("time", x.minute() * 60_000)
          .put("requests", x.requests()).put("errors", x.errors()).put("copies", x.copies()));
    });
    return out;
  }

  /**
   * Per tenant: models resident on this node and their bytes against the tenant's share of the
   * node's memory, the request rate served here over the last minute, and the tenant's limits
   * (the live settings; a tenant without overrides has the defaults).
   */
  public ObjectNode tenants() {
    Map<String, long[]> resident = new TreeMap<>();
    cache.copies().forEach((id, copy) -> {
      if (copy.phase() != CopyState.Phase.LOADED) {
        return;
      }
      String tenant = tenants.get(id, x -> registry.model(x)
          .map(r -> r.value().getTenant()).orElse(""));
      long[] t = resident.computeIfAbsent(tenant, x -> new long[2]);
      t[0]++;
      t[1] += copy.sizeBytes();
    });
    LivePolicies.Applied applied = policies.applied();
    TenantLimits limits = applied.tenants();
    double defaultFraction = applied.policies().config().tenantQuotaFraction();
    Map<String, Double> rates = history.tenantRates();
    java.util.Set<String> names = new java.util.TreeSet<>(resident.keySet());
    names.addAll(limits.perTenant().keySet());
    names.addAll(limits.quotaFractions().keySet());
    rates.keySet().stream().filter(t -> !t.equals(io.densemesh.metrics.ModelLabels.NO_TENANT)
        && !t.equals(io.densemesh.metrics.ModelLabels.OTHER)).forEach(names::add);
    ObjectNode out = JSON.createObjectNode().put("capacityBytes", cache.capacityBytes());
    ObjectNode defaults = out.putObject("defaults");
    limitsJson(defaults, limits.defaults(), defaultFraction);
    ArrayNode rows = out.putArray("tenants");
    for (String tenant : names) {
      long[] t = resident.getOrDefault(tenant, new long[2]);
      double fraction = limits.quotaFractions().getOrDefault(tenant, defaultFraction);
      String label = tenant.isEmpty() ? io.densemesh.metrics.ModelLabels.NO_TENANT : tenant;
      ObjectNode row = rows.addObject().put("tenant", tenant).put("residentModels", t[0])
          .put("residentBytes", t[1])
          .put("quotaBytes", (long) (fraction * cache.capacityBytes()))
          .put("requestsPerSecond", rates.getOrDefault(label, 0.0));
      limitsJson(row.putObject("limits"), limits.of(tenant), fraction);
    }
    return out;
  }

  private static void limitsJson(ObjectNode out, TenantLimits.Limits l, double fraction) {
    out.put("requestsPerSecond", l.requestsPerSecond()).put("requestBurst", l.burst())
        .put("maxModels", l.maxModels()).put("quotaFraction", fraction);
  }

  /** Recent activity on this node, oldest first. */
  public ArrayNode activity() {
    ArrayNode out = JSON.createArrayNode();
    feed.recent().forEach(out::add);
    return out;
  }

  private static boolean matches(String state, ModelRecord m, MeshView view) {
    return switch (state) {
      case "loaded" -> !view.loadedOn(m.getModelId()).isEmpty();
      case "failed" -> m.getFailuresCount() > 0;
      case "idle" -> view.copiesOf(m.getModelId()).isEmpty();
      default -> true;
    };
  }

  private static ObjectNode row(ModelRecord m, MeshView view) {
    ObjectNode r = JSON.createObjectNode().put("id", m.getModelId()).put("type", m.getType())
        .put("path", m.getPath()).put("tenant", m.getTenant())
        .put("minCopies", m.getMinCopies()).put("maxCopies", m.getMaxCopies())
        .put("lastUsed", m.getLastUsed());
    ArrayNode copies = r.putArray("copies");
    view.copiesOf(m.getModelId()).values().stream()
        .sorted(Comparator.comparing(CopyRecord::getInstanceId))
        .forEach(c -> copies.addObject().put("node", c.getInstanceId())
            .put("state", c.getState().name().toLowerCase(Locale.ROOT))
            .put("sizeBytes", c.getSizeBytes()));
    ArrayNode failures = r.putArray("failures");
    for (LoadFailure f : m.getFailuresList()) {
      failures.addObject().put("node", f.getInstanceId()).put("reason", f.getReason())
          .put("time", f.getTime());
    }
    return r;
  }

  /** The greatest id below every id that starts with {@code prefix} ("" for none). */
  static String before(String prefix) {
    if (prefix.isEmpty()) {
      return "";
    }
    char last = prefix.charAt(prefix.length() - 1);
    String head = prefix.substring(0, prefix.length() - 1);
    return last == 0 ? head : head + (char) (last - 1) + "\uffff";
  }
}
