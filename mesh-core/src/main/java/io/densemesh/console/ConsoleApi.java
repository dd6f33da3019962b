package io.densemesh.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.densemesh.api.registry.CopyRecord;
import io.densemesh.api.registry.InstanceRecord;
import io.densemesh.api.registry.LoadFailure;
import io.densemesh.api.registry.ModelRecord;
import io.densemesh.cache.CopyState;
import io.densemesh.cache.ModelCache;
import io.densemesh.mesh.LivePolicies;
import io.densemesh.registry.MeshView;
import io.densemesh.registry.Registry;
import io.densemesh.registry.Versioned;
import io.densemesh.runtime.error.InvalidInputException;
import io.densemesh.runtime.error.ModelNotFoundException;
import io.densemesh.serving.ModelManagement;
import io.densemesh.serving.ModelRepository;
import io.densemesh.auth.Principal;
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
  private final ModelRepository repository;

  public ConsoleApi(String self, Registry registry, ModelCache cache, ModelManagement models,
      LivePolicies policies, ActivityFeed feed, ModelRepository repository) {
    this.self = self;
    this.repository = repository;
    this.registry = registry;
    this.cache = cache;
    this.models = models;
    this.policies = policies;
    this.feed = feed;
  }

  /** Nodes with their capacity and use, the leader, the live placement settings. */
  public ObjectNode mesh() {
    MeshView view = registry.view();
    ObjectNode out = JSON.createObjectNode().put("self", self).put("leader", view.leader())
        .put("revision", view.revision());
    ArrayNode nodes = out.putArray("nodes");
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
    return out;
  }

  /** Per tenant: models resident on this node and their bytes, and the tenant's limits. */
  public ObjectNode tenants() {
    Map<String, long[]> resident = new TreeMap<>();
    Map<String, String> tenantOf = new HashMap<>();
    cache.copies().forEach((id, copy) -> {
      if (copy.phase() != CopyState.Phase.LOADED) {
        return;
      }
      String tenant = tenantOf.computeIfAbsent(id, x -> registry.model(x)
          .map(r -> r.value().getTenant()).orElse(""));
      long[] t = resident.computeIfAbsent(tenant, x -> new long[2]);
      t[0]++;
      t[1] += copy.sizeBytes();
    });
    ObjectNode out = JSON.createObjectNode();
    ArrayNode rows = out.putArray("tenants");
    resident.forEach((tenant, t) -> rows.addObject().put("tenant", tenant)
        .put("residentModels", t[0]).put("residentBytes", t[1]));
    return out;
  }

  /** Recent activity on this node, oldest first. */
  public ArrayNode activity() {
    ArrayNode out = JSON.createArrayNode();
    feed.recent().forEach(out::add);
    return out;
  }

  /** Loads the model somewhere in the mesh now. */
  public ObjectNode load(String who, String id) {
    var status = models.ensureLoaded(id, false);
    feed.audit(who, "load", id, "");
    return JSON.createObjectNode().put("id", id).put("status", status.getStatus().name());
  }

  /**
   * Drops the model's copies on every node, as the repository extension's unload does (it stays
   * registered and is not warmed again by the leader; the next request loads it). A model whose
   * policy keeps minimum copies is refused (FAILED_PRECONDITION).
   */
  public ObjectNode unload(Principal caller, String id) {
    ModelManagement.requireId("model id", id);
    if (registry.model(id).isEmpty()) {
      throw new ModelNotFoundException("model '" + id + "' is not registered");
    }
    List<String> asked = registry.view().copiesOf(id).keySet().stream().sorted().toList();
    repository.unload(caller, id);
    String who = caller.subject();
    feed.audit(who, "unload", id,
        asked.isEmpty() ? "(no copies)" : "on " + String.join(", ", asked));
    ObjectNode out = JSON.createObjectNode().put("id", id);
    ArrayNode nodes = out.putArray("droppedOn");
    asked.forEach(nodes::add);
    return out;
  }

  /** Sets a model's copy bounds (as MeshAdmin/setModelPolicy, tenant unchanged). */
  public ObjectNode policy(String who, String id, JsonNode body) {
    int min = body.path("minCopies").asInt(-1);
    int max = body.path("maxCopies").asInt(-1);
    ModelRecord m = models.setPolicy(id, min, max, Optional.empty());
    feed.audit(who, "set copies", id, "min " + m.getMinCopies() + " max " + m.getMaxCopies());
    return JSON.createObjectNode().put("id", id).put("minCopies", m.getMinCopies())
        .put("maxCopies", m.getMaxCopies());
  }

  /** Replaces the live placement settings after the same validation as setPlacementConfig. */
  public ObjectNode placement(String who, JsonNode body) {
    if (!body.isObject()) {
      throw new InvalidInputException("placement settings must be a JSON object");
    }
    Map<String, String> settings = new LinkedHashMap<>();
    body.fields().forEachRemaining(e -> settings.put(e.getKey(), e.getValue().asText()));
    try {
      policies.parse(settings);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("invalid placement config: " + e.getMessage());
    }
    registry.putConfig(settings);
    feed.audit(who, "placement", "placement", settings.toString());
    ObjectNode out = JSON.createObjectNode();
    settings.forEach(out::put);
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
