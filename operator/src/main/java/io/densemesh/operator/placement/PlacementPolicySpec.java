package io.densemesh.operator.placement;

import io.densemesh.cli.support.Units;
import io.densemesh.operator.resource.Fields;
import io.densemesh.operator.resource.InvalidResourceException;
import io.densemesh.placement.PolicyConfig;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A {@code PlacementPolicy} (densemesh.io/v1alpha1), parsed and validated before anything is
 * pushed: the mesh-wide settings as {@code MeshAdmin.setPlacementConfig} keys, and copy rules.
 *
 * <p>CR fields to settings keys: {@code eviction}, {@code placement}, {@code copies},
 * {@code secondCopyRatePerSecond}, {@code perCopyRatePerSecond}, {@code tenantQuotaFraction},
 * {@code memoryHeadroomFraction}, {@code loadingConcurrency} as they are; {@code idleTtl} and
 * {@code costHalfLife} (durations such as {@code 10m}) become {@code idleTtlMillis} and
 * {@code costHalfLifeMillis}. Policy names and ranges are checked with the placement library's
 * own {@link PolicyConfig} rules, so what is accepted here is what nodes accept.
 *
 * @param settings the settings this policy sets (empty when it sets none)
 * @param rules copy rules, in order (the first matching rule of the first policy wins)
 */
public record PlacementPolicySpec(Map<String, String> settings, List<CopyRule> rules) {

  public static final String REASON = "InvalidValue";

  /** @throws InvalidResourceException with reason {@value #REASON} naming the field */
  public static PlacementPolicySpec from(GenericKubernetesResource policy) {
    Fields spec = Fields.of(policy.getAdditionalProperties().get("spec"), "spec", REASON);
    Map<String, String> settings = new LinkedHashMap<>();
    for (String key : List.of("eviction", "placement", "copies")) {
      spec.string(key).ifPresent(v -> settings.put(key, v.toLowerCase(Locale.ROOT)));
    }
    for (String key : List.of("secondCopyRatePerSecond", "perCopyRatePerSecond",
        "tenantQuotaFraction")) {
      spec.number(key).ifPresent(v -> settings.put(key, plain(v)));
    }
    spec.string("idleTtl").ifPresent(v -> settings.put("idleTtlMillis",
        String.valueOf(millis(spec, "idleTtl", v, true))));
    spec.string("costHalfLife").ifPresent(v -> settings.put("costHalfLifeMillis",
        String.valueOf(millis(spec, "costHalfLife", v, false))));
    spec.number("memoryHeadroomFraction").ifPresent(v -> {
      if (!(v >= 0 && v <= 0.9)) {
        throw spec.invalid("spec.memoryHeadroomFraction must be 0..0.9, got " + plain(v));
      }
      settings.put("memoryHeadroomFraction", plain(v));
    });
    spec.integer("loadingConcurrency").ifPresent(v -> {
      if (v < 1 || v > 256) {
        throw spec.invalid("spec.loadingConcurrency must be 1..256, got " + v);
      }
      settings.put("loadingConcurrency", String.valueOf(v));
    });
    Map<String, String> policyKeys = new LinkedHashMap<>(settings);
    policyKeys.remove("memoryHeadroomFraction");
    policyKeys.remove("loadingConcurrency");
    try {
      PolicyConfig.fromMap(policyKeys, PolicyConfig.recommended());
    } catch (IllegalArgumentException e) {
      throw spec.invalid("spec: " + e.getMessage());
    }
    return new PlacementPolicySpec(settings, rules(spec));
  }

  private static List<CopyRule> rules(Fields spec) {
    List<CopyRule> rules = new ArrayList<>();
    for (Fields r : spec.objects("modelCopies")) {
      Optional<String> pattern = r.string("namePattern").filter(s -> !s.isBlank());
      Map<String, String> labels = r.strings("matchLabels");
      if (pattern.isEmpty() && labels.isEmpty()) {
        throw r.invalid(r.path() + " needs namePattern or matchLabels");
      }
      long min = r.integer("minCopies").orElse(0L);
      long max = r.integer("maxCopies").orElse(0L);
      if (min < 0 || max < 0 || min > 1000 || max > 1000) {
        throw r.invalid(r.path() + ": minCopies and maxCopies must be 0..1000");
      }
      if (max > 0 && min > max) {
        throw r.invalid(r.path() + ": minCopies (" + min + ") exceeds maxCopies (" + max + ")");
      }
      rules.add(new CopyRule(pattern, labels, (int) min, (int) max,
          r.string("tenant").orElse("")));
    }
    return List.copyOf(rules);
  }

  private static long millis(Fields spec, String key, String text, boolean zeroAllowed) {
    Duration d;
    try {
      // The commands' one duration syntax (Units), plus a bare 0.
      d = text.trim().equals("0") ? Duration.ZERO : Units.duration(text);
    } catch (IllegalArgumentException e) {
      throw spec.invalid("spec." + key + ": " + e.getMessage());
    }
    if (d.isNegative() || (!zeroAllowed && d.isZero())) {
      throw spec.invalid("spec." + key + " must be " + (zeroAllowed ? ">= 0" : "> 0")
          + ", got '" + text + "'");
    }
    return d.toMillis();
  }

  private static String plain(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
  }
}
