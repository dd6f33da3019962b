package io.densemesh.perf.sim;

import io.densemesh.placement.PolicyConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Named policy combinations the simulator compares. Each isolates one change against the
 * ModelMesh-like baseline, so a table row can be read as "this change alone".
 */
public final class PolicyPresets {

  private static final Map<String, PolicyConfig> PRESETS = new LinkedHashMap<>();
  private static final Map<String, String> DESCRIPTIONS = new LinkedHashMap<>();
  private static final java.util.Set<String> MESH_VIEW = new java.util.HashSet<>();

  static {
    PolicyConfig lru = PolicyConfig.lruBaseline();
    PolicyConfig recommended = PolicyConfig.recommended();
    put("lru", lru, "ModelMesh-like baseline: LRU eviction, one global placement order, fixed 1->2 copies");
    put("lru-p2c", lru.withPlacement("p2c"), "baseline with power-of-two-choices placement only");
    put("lru-p2c-pending", lru.withPlacement("p2c-pending"),
        "baseline with power-of-two placement over the view plus the decider's own pending loads");
    put("cost-aware-global", lru.withEviction("cost-aware"),
        "baseline with cost-aware (GDSF-style) eviction only");
    put("lru-p2c-rate", lru.withPlacement("p2c").withCopies("rate"),
        "baseline with power-of-two placement and rate-based copies: the recommended policy"
            + " minus cost-aware eviction");
    put("cost-aware", recommended,
        "recommended: cost-aware eviction, power-of-two placement, rate-based copies");
    put("cost-aware-quota", recommended.withTenantQuotaFraction(0.25),
        "recommended plus a 25%-of-a-node soft quota per tenant");
    put("cost-aware-pending", recommended.withPlacement("p2c-pending"),
        "recommended with pending-aware power-of-two placement");
    put("cost-aware-ttl", recommended.withIdleTtlMillis(30 * 60_000L),
        "recommended plus unloading copies idle for 30 min");
    put("lru-p2c-mesh", lru.withPlacement("p2c-pending"),
        "baseline with pending-aware power-of-two placement that also sees the loads other"
            + " deciders started (their LOADING copy records), as the etcd mesh's router does");
    MESH_VIEW.add("lru-p2c-mesh");
    put("cost-aware-mesh", recommended.withPlacement("p2c-pending"),
        "recommended with placement as the etcd mesh's router does it: its own and the other"
            + " deciders' recent loads added to the stale view");
    MESH_VIEW.add("cost-aware-mesh");
  }

  /** A preset's like-for-like baseline: the preset that differs from it in one change only. */
  public record OneChange(String baseline, String change) {}

  private static final Map<String, OneChange> ONE_CHANGE = new LinkedHashMap<>();

  static {
    ONE_CHANGE.put("lru-p2c", new OneChange("lru", "placement: power of two"));
    ONE_CHANGE.put("lru-p2c-pending",
        new OneChange("lru-p2c", "placement: + the decider's own pending loads"));
    ONE_CHANGE.put("lru-p2c-mesh",
        new OneChange("lru-p2c-pending", "placement: + the other deciders' loads"));
    ONE_CHANGE.put("cost-aware-global", new OneChange("lru", "eviction: cost-aware"));
    ONE_CHANGE.put("lru-p2c-rate", new OneChange("lru-p2c", "copies: by request rate"));
    ONE_CHANGE.put("cost-aware", new OneChange("lru-p2c-rate", "eviction: cost-aware"));
    ONE_CHANGE.put("cost-aware-quota", new OneChange("cost-aware", "tenant quota 25%"));
    ONE_CHANGE.put("cost-aware-pending",
        new OneChange("cost-aware", "placement: + the decider's own pending loads"));
    ONE_CHANGE.put("cost-aware-ttl", new OneChange("cost-aware", "idle TTL 30 min"));
    ONE_CHANGE.put("cost-aware-mesh",
        new OneChange("cost-aware-pending", "placement: + the other deciders' loads"));
  }

  private PolicyPresets() {}

  /** The preset one change away from {@code name}, if it has one. */
  public static java.util.Optional<OneChange> oneChange(String name) {
    return java.util.Optional.ofNullable(ONE_CHANGE.get(name));
  }

  private static void put(String name, PolicyConfig config, String description) {
    PRESETS.put(name, config);
    DESCRIPTIONS.put(name, description);
  }

  /**
   * Whether deciders see each other's loads as soon as they start: the mesh publishes a LOADING
   * copy record when a load starts, and watch propagation (milliseconds) is far shorter than the
   * instance-record refresh that the snapshot period models.
   */
  public static boolean seesOthersLoads(String name) {
    return MESH_VIEW.contains(name);
  }

  public static PolicyConfig byName(String name) {
    PolicyConfig config = PRESETS.get(name);
    if (config == null) {
      throw new IllegalArgumentException(
          "unknown policy '" + name + "', expected one of " + String.join(", ", PRESETS.keySet()));
    }
    return config;
  }

  /** Preset names with descriptions, in a stable order. */
  public static Map<String, String> descriptions() {
    return DESCRIPTIONS;
  }
}
