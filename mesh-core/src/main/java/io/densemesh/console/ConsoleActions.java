package io.densemesh.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.densemesh.api.registry.ModelRecord;
import io.densemesh.auth.Principal;
import io.densemesh.mesh.LivePolicies;
import io.densemesh.registry.Registry;
import io.densemesh.runtime.error.InvalidInputException;
import io.densemesh.runtime.error.ModelNotFoundException;
import io.densemesh.serving.ModelManagement;
import io.densemesh.serving.ModelRepository;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

/**
 * What an admin can do from the console. Each action is the management call a client would make
 * ({@link ModelManagement}, the repository extension's unload, the placement settings with the
 * validation of {@code setPlacementConfig}, the node's own drain) and is audited in the
 * {@link ActivityFeed} with who took it.
 */
public final class ConsoleActions {

  private static final ObjectMapper JSON = new ObjectMapper();
  /** The per-tenant settings the tenant action may set, as named in the placement settings. */
  static final List<String> TENANT_FIELDS =
      List.of("requestsPerSecond", "requestBurst", "maxModels", "quotaFraction");
  private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9_.-]{1,63}");

  private final Registry registry;
  private final ModelManagement models;
  private final LivePolicies policies;
  private final ActivityFeed feed;
  private final ModelRepository repository;
  private final NodeDrain drain;

  /** Drains this node: starts a drain in the background and says whether it was started now. */
  public interface NodeDrain {
    boolean start();

    boolean draining();
  }

  public ConsoleActions(Registry registry, ModelManagement models, LivePolicies policies,
      ActivityFeed feed, ModelRepository repository, NodeDrain drain) {
    this.registry = registry;
    this.models = models;
    this.policies = policies;
    this.feed = feed;
    this.repository = repository;
    this.drain = drain;
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
    feed.audit(caller.subject(), "unload", id,
        asked.isEmpty() ? "(no copies)" : "on " + String.join(", ", asked));
    ObjectNode out = JSON.createObjectNode().put("id", id);
    ArrayNode nodes = out.putArray("droppedOn");
    asked.forEach(nodes::add);
    return out;
  }

  /** Sets a model's copy bounds (as MeshAdmin/setModelPolicy, tenant unchanged). */
  public ObjectNode copies(String who, String id, JsonNode body) {
    int min = whole(body, "minCopies");
    int max = whole(body, "maxCopies");
    ModelRecord m = models.setPolicy(id, min, max, Optional.empty());
    feed.audit(who, "set copies", id, "min " + m.getMinCopies() + " max " + m.getMaxCopies());
    return bounds(m);
  }

  /**
   * Pins a model (keeps at least one copy loaded in the mesh: minimum copies 1 when it had none)
   * or unpins it (minimum copies 0); the maximum stays as it is.
   */
  public ObjectNode pin(String who, String id, JsonNode body) {
    JsonNode pinned = body.get("pinned");
    if (pinned == null || !pinned.isBoolean()) {
      throw new InvalidInputException("pinned must be true or false");
    }
    ModelRecord now = registry.model(id).map(v -> v.value())
        .orElseThrow(() -> new ModelNotFoundException("model '" + id + "' is not registered"));
    int min = pinned.asBoolean() ? Math.max(1, now.getMinCopies()) : 0;
    ModelRecord m = models.setPolicy(id, min, now.getMaxCopies(), Optional.empty());
    feed.audit(who, pinned.asBoolean() ? "pin" : "unpin", id, "min " + m.getMinCopies());
    return bounds(m);
  }

  /** Replaces the live placement settings after the same validation as setPlacementConfig. */
  public ObjectNode placement(String who, JsonNode body) {
    if (!body.isObject()) {
      throw new InvalidInputException("placement settings must be a JSON object");
    }
    Map<String, String> settings = new LinkedHashMap<>();
    body.fields().forEachRemaining(e -> settings.put(e.getKey(), e.getValue().asText()));
    apply(settings);
    feed.audit(who, "placement", "placement", settings.toString());
    ObjectNode out = JSON.createObjectNode();
    settings.forEach(out::put);
    return out;
  }

  /**
   * Sets one tenant's limits: each of {@link #TENANT_FIELDS} in the body becomes the setting
   * {@code tenant.<name>.<field>} (a JSON null removes it, so the default applies again); fields
   * not named are left as they are. Validated with the rest of the settings, as
   * setPlacementConfig validates them.
   */
  public ObjectNode tenantLimits(String who, String tenant, JsonNode body) {
    if (!TENANT.matcher(tenant).matches()) {
      throw new InvalidInputException("tenant must be 1 to 63 letters, digits, '.', '_' or '-'");
    }
    if (!body.isObject() || body.isEmpty()) {
      throw new InvalidInputException("name at least one of " + TENANT_FIELDS);
    }
    Map<String, String> settings = new TreeMap<>(registry.view().config());
    StringBuilder changed = new StringBuilder();
    for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!TENANT_FIELDS.contains(e.getKey())) {
        throw new InvalidInputException("unknown tenant limit '" + e.getKey() + "', expected one of "
            + TENANT_FIELDS);
      }
      String key = "tenant." + tenant + "." + e.getKey();
      if (e.getValue().isNull()) {
        settings.remove(key);
      } else if (e.getValue().isNumber() || e.getValue().isTextual()) {
        settings.put(key, e.getValue().asText());
      } else {
        throw new InvalidInputException(e.getKey() + " must be a number or null");
      }
      changed.append(changed.isEmpty() ? "" : ", ").append(e.getKey()).append(' ')
          .append(e.getValue().isNull() ? "default" : e.getValue().asText());
    }
    apply(settings);
    feed.audit(who, "tenant limits", tenant, changed.toString());
    ObjectNode out = JSON.createObjectNode().put("tenant", tenant);
    ObjectNode set = out.putObject("settings");
    settings.forEach((k, v) -> {
      if (k.startsWith("tenant." + tenant + ".")) {
        set.put(k.substring(("tenant." + tenant + ".").length()), v);
      }
    });
    return out;
  }

  /**
   * Drains this node (the one serving the console): it stops being chosen for new copies and
   * moves the models in use to other nodes, in the background. A drained node stays draining
   * until it restarts, as when Kubernetes stops it.
   */
  public ObjectNode drain(String who, String self) {
    boolean started = drain.start();
    if (started) {
      feed.audit(who, "drain", self, "");
    }
    return JSON.createObjectNode().put("node", self).put("draining", drain.draining())
        .put("started", started);
  }

  private void apply(Map<String, String> settings) {
    try {
      policies.parse(settings);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("invalid placement config: " + e.getMessage());
    }
    registry.putConfig(settings);
  }

  private static int whole(JsonNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
      throw new InvalidInputException(field + " must be a whole number");
    }
    return v.asInt();
  }

  private static ObjectNode bounds(ModelRecord m) {
    return JSON.createObjectNode().put("id", m.getModelId()).put("minCopies", m.getMinCopies())
        .put("maxCopies", m.getMaxCopies());
  }
}
