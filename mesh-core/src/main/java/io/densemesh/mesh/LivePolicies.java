package io.densemesh.mesh;

import io.densemesh.admission.LiveAdmission;
import io.densemesh.auth.TenantLimits;
import io.densemesh.cache.ModelCache;
import io.densemesh.config.AdmissionSettings;
import io.densemesh.placement.PolicyConfig;
import io.densemesh.placement.PolicySet;
import io.densemesh.placement.TenantQuotas;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live placement settings (the registry's {@code config/} keys) turned into policies and
 * applied to this node without a restart: eviction policy, memory headroom and loading
 * concurrency go to the model cache, admission limits to {@link LiveAdmission}; placement and copy policies are read per decision through
 * {@link #current()}. Settings that do not validate are rejected as a whole with a message
 * naming the key (and, when they arrive from the registry, logged and ignored).
 */
public final class LivePolicies {

  private static final Logger log = LoggerFactory.getLogger(LivePolicies.class);

  /** Settings beyond {@link PolicyConfig#KEYS} that a node applies itself. */
  public static final String HEADROOM = "memoryHeadroomFraction";
  public static final String LOADING = "loadingConcurrency";
  public static final String PROACTIVE = "proactiveLoading";

  /** Every accepted key (plus the per-tenant limits, see {@link TenantLimits}). */
  public static final List<String> KEYS;

  static {
    List<String> keys = new java.util.ArrayList<>(PolicyConfig.KEYS);
    keys.add(HEADROOM);
    keys.add(LOADING);
    keys.add(PROACTIVE);
    keys.add(TenantLimits.RATE);
    keys.add(TenantLimits.BURST);
    keys.add(TenantLimits.MAX_MODELS);
    keys.addAll(LiveAdmission.KEYS);
    KEYS = List.copyOf(keys);
  }

  /** ModelMesh's threshold: a copy serving more than 2000 requests a minute gets company. */
  static final double DEFAULT_PER_COPY_RATE = 2000.0 / 60.0;

  /**
   * A validated set of settings.
   *
   * @param policies placement, eviction and copy policies
   * @param headroomFraction share of capacity kept free
   * @param loadingConcurrency loads at once; 0 keeps the node's own setting
   * @param proactiveLoading whether the leader loads registered models into a mostly empty mesh
   * @param tenants per-tenant limits: request rate, models registered, resident share
   * @param admission the node's admission limits (its flags where the settings say nothing)
   */
  public record Applied(PolicySet policies, double headroomFraction, int loadingConcurrency,
      boolean proactiveLoading, TenantLimits tenants, AdmissionSettings admission) {}

  private final ModelCache cache;
  private final LiveAdmission admission;
  private final PolicyConfig base;
  private final java.util.function.Function<String, String> tenantOf;
  private volatile Applied current;
  private Map<String, String> appliedSettings = Map.of();

  /** @param tenantOf a registered model's tenant ("" when none), for per-tenant quotas */
  public LivePolicies(ModelCache cache, String defaultEviction,
      java.util.function.Function<String, String> tenantOf) {
    this(cache, defaultEviction, tenantOf, LiveAdmission.validator());
  }

  /** @param admission where the admission keys are parsed and applied */
  public LivePolicies(ModelCache cache, String defaultEviction,
      java.util.function.Function<String, String> tenantOf, LiveAdmission admission) {
    this.cache = cache;
    this.admission = admission;
    this.tenantOf = tenantOf;
    this.base = PolicyConfig.fromMap(Map.of("eviction", defaultEviction,
        "placement", "p2c-pending",
        "perCopyRatePerSecond", Double.toString(DEFAULT_PER_COPY_RATE)),
        PolicyConfig.recommended());
    this.current = new Applied(PolicySet.from(base), 0, 0, true, TenantLimits.none(),
        admission.parse(Map.of()));
  }

  /** Parses and validates settings; nothing is applied. */
  public Applied parse(Map<String, String> settings) {
    Map<String, String> policy = new HashMap<>(settings);
    TenantLimits tenants = TenantLimits.parse(settings);
    policy.keySet().removeIf(TenantLimits::owns);
    AdmissionSettings limits = admission.parse(settings);
    policy.keySet().removeIf(LiveAdmission::owns);
    String headroom = policy.remove(HEADROOM);
    String loading = policy.remove(LOADING);
    String proactive = policy.remove(PROACTIVE);
    if (proactive != null && !proactive.trim().equals("true") && !proactive.trim().equals("false")) {
      throw new IllegalArgumentException(PROACTIVE + " must be true or false: '" + proactive + "'");
    }
    PolicyConfig config = PolicyConfig.fromMap(policy, base);
    double headroomFraction = 0;
    if (headroom != null) {
      try {
        headroomFraction = Double.parseDouble(headroom.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(HEADROOM + " must be a number: '" + headroom + "'");
      }
      if (!(headroomFraction >= 0 && headroomFraction <= 0.9)) {
        throw new IllegalArgumentException(HEADROOM + " must be in [0, 0.9]: " + headroom);
      }
    }
    int concurrency = 0;
    if (loading != null) {
      try {
        concurrency = Integer.parseInt(loading.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(LOADING + " must be a whole number: '" + loading + "'");
      }
      if (concurrency < 1 || concurrency > 256) {
        throw new IllegalArgumentException(LOADING + " must be 1..256: " + loading);
      }
    }
    PolicySet set = PolicySet.from(config);
    if (!tenants.quotaFractions().isEmpty()) {
      set = new PolicySet(set.config(), set.placement(), set.eviction(), set.copies(),
          new TenantQuotas(config.tenantQuotaFraction(), tenants.quotaFractions()));
    }
    return new Applied(set, headroomFraction, concurrency,
        proactive == null || proactive.trim().equals("true"), tenants, limits);
  }

  /** Applies settings seen in the registry if they changed; invalid ones are logged, not used. */
  public synchronized void onSettings(Map<String, String> settings) {
    if (Objects.equals(settings, appliedSettings)) {
      return;
    }
    appliedSettings = Map.copyOf(settings);
    Applied next;
    try {
      next = parse(settings);
    } catch (IllegalArgumentException e) {
      log.warn("ignoring invalid live placement settings {}: {}", settings, e.getMessage());
      return;
    }
    cache.setEvictionPolicy(next.policies().eviction());
    cache.setVictimPlanner(next.policies().quotas().enabled() ? quotaPlanner(next.policies())
        : null);
    cache.setHeadroomFraction(next.headroomFraction());
    if (next.loadingConcurrency() > 0) {
      cache.setLoadingSlots(next.loadingConcurrency());
    }
    admission.apply(next.admission());
    current = next;
    log.info("applied live placement settings {}", settings);
  }

  /**
   * Victims under per-tenant quotas: when the incoming model's tenant, or another, holds more
   * than its share of this node, that tenant's own copies go first, so one tenant cannot flush
   * everyone else's models.
   */
  private io.densemesh.cache.VictimPlanner quotaPlanner(PolicySet set) {
    var quotaEviction = set.quotaEviction();
    return (resident, deficit, now, incoming, bytes) -> {
      Map<String, String> tenants = new HashMap<>();
      for (var copy : resident) {
        tenants.put(copy.modelId(), tenantOf.apply(copy.modelId()));
      }
      var demand = io.densemesh.placement.ModelDemand.of(incoming, tenantOf.apply(incoming),
          bytes, 0);
      return quotaEviction.victims(resident, tenants, demand, cache.capacityBytes(), deficit,
          now);
    };
  }

  public PolicySet current() {
    return current.policies();
  }

  public Applied applied() {
    return current;
  }
}
