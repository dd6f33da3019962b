package io.densemesh.operator.placement;

import io.densemesh.operator.resource.InvalidResourceException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the mesh should hold given every PlacementPolicy of a namespace: a pure function.
 *
 * <p>Policies are taken oldest first (then by name). Mesh-wide settings come from the first
 * valid policy that sets any; a later policy that also sets some is rejected ({@code Conflict}),
 * since the mesh has one configuration. Copy rules of accepted policies are tried in that order;
 * the first matching rule gives a model its bounds. Models that InferenceServices define are
 * owned by the operator: without a matching rule they get the mesh defaults (0/0, no tenant).
 * Models registered directly through the API are only touched when a rule matches them.
 *
 * @param settings the mesh-wide settings (empty: built-in defaults)
 * @param settingsSource the policy they come from, if any
 * @param modelPolicies desired bounds per model id
 * @param verdicts per policy name, whether it is applied and why not
 */
public record PlacementPlan(Map<String, String> settings, Optional<String> settingsSource,
    Map<String, Bounds> modelPolicies, Map<String, Verdict> verdicts) {

  public static final String CONFLICT = "Conflict";

  /** A policy as read: its parsed spec, or the validation error. */
  public record PolicyInput(String name, Optional<PlacementPolicySpec> spec,
      Optional<InvalidResourceException> error) {
    public static PolicyInput valid(String name, PlacementPolicySpec spec) {
      return new PolicyInput(name, Optional.of(spec), Optional.empty());
    }

    public static PolicyInput invalid(String name, InvalidResourceException error) {
      return new PolicyInput(name, Optional.empty(), Optional.of(error));
    }
  }

  /**
   * A model rules may select.
   *
   * @param name InferenceService name, or the model id for directly registered models
   * @param labels the InferenceService's labels (empty for direct models)
   * @param modelId the concrete model id in the mesh
   * @param ownedByOperator whether an InferenceService defines it
   */
  public record Subject(String name, Map<String, String> labels, String modelId,
      boolean ownedByOperator) {}

  /** Copy bounds and tenant for one model. */
  public record Bounds(int minCopies, int maxCopies, String tenant) {
    public static final Bounds DEFAULT = new Bounds(0, 0, "");
  }

  /** Whether a policy is applied; reason and message when it is not. */
  public record Verdict(boolean accepted, String reason, String message, int matchedModels) {}

  public static PlacementPlan of(List<PolicyInput> policies, List<Subject> subjects) {
    Map<String, Verdict> verdicts = new LinkedHashMap<>();
    Map<String, String> settings = Map.of();
    Optional<String> source = Optional.empty();
    Map<String, Integer> matched = new LinkedHashMap<>();
    List<PolicyInput> accepted = new ArrayList<>();
    for (PolicyInput p : policies) {
      if (p.error().isPresent()) {
        verdicts.put(p.name(), new Verdict(false, p.error().get().reason(),
            p.error().get().getMessage(), 0));
        continue;
      }
      PlacementPolicySpec spec = p.spec().orElseThrow();
      if (!spec.settings().isEmpty()) {
        if (source.isPresent()) {
          verdicts.put(p.name(), new Verdict(false, CONFLICT, "PlacementPolicy '"
              + source.get() + "' already sets the mesh-wide settings; one policy per namespace"
              + " may set them (others may only carry modelCopies)", 0));
          continue;
        }
        settings = spec.settings();
        source = Optional.of(p.name());
      }
      accepted.add(p);
      matched.put(p.name(), 0);
    }
    Map<String, Bounds> bounds = new LinkedHashMap<>();
    for (Subject s : subjects) {
      Optional<Bounds> chosen = Optional.empty();
      outer:
      for (PolicyInput p : accepted) {
        for (CopyRule rule : p.spec().orElseThrow().rules()) {
          if (rule.matches(s.name(), s.labels())) {
            chosen = Optional.of(new Bounds(rule.minCopies(), rule.maxCopies(), rule.tenant()));
            matched.merge(p.name(), 1, Integer::sum);
            break outer;
          }
        }
      }
      if (chosen.isPresent()) {
        bounds.put(s.modelId(), chosen.get());
      } else if (s.ownedByOperator()) {
        bounds.put(s.modelId(), Bounds.DEFAULT);
      }
    }
    for (PolicyInput p : accepted) {
      verdicts.put(p.name(), new Verdict(true, "", "", matched.get(p.name())));
    }
    return new PlacementPlan(Map.copyOf(settings), source, bounds, verdicts);
  }
}
