package io.densemesh.operator.placement;

import static org.assertj.core.api.Assertions.assertThat;

import io.densemesh.operator.placement.PlacementPlan.Bounds;
import io.densemesh.operator.placement.PlacementPlan.PolicyInput;
import io.densemesh.operator.placement.PlacementPlan.Subject;
import io.densemesh.operator.resource.InvalidResourceException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlacementPlanTest {

  static final List<Subject> SUBJECTS = List.of(
      new Subject("fraud-eu", Map.of("tier", "gold"), "fraud-eu__isvc-1", true),
      new Subject("spam", Map.of(), "spam__isvc-2", true),
      new Subject("tenant7-model", Map.of(), "tenant7-model", false),
      new Subject("other-direct", Map.of(), "other-direct", false));

  static PolicyInput policy(String name, String spec) {
    return PolicyInput.valid(name, PlacementPolicySpecTest.parse(spec));
  }

  @Test
  void firstPolicyWithSettingsWinsAndLaterOnesConflict() {
    PlacementPlan plan = PlacementPlan.of(List.of(
        policy("base", "eviction: lru\nmodelCopies: [{namePattern: 'fraud-*', minCopies: 2}]"),
        policy("second", "eviction: cost-aware"),
        policy("copies-only", "modelCopies: [{namePattern: 'tenant7-*', maxCopies: 1, "
            + "tenant: t7}]")), SUBJECTS);
    assertThat(plan.settings()).isEqualTo(Map.of("eviction", "lru"));
    assertThat(plan.settingsSource()).contains("base");
    assertThat(plan.verdicts().get("base").accepted()).isTrue();
    assertThat(plan.verdicts().get("base").matchedModels()).isEqualTo(1);
    assertThat(plan.verdicts().get("second").accepted()).isFalse();
    assertThat(plan.verdicts().get("second").reason()).isEqualTo("Conflict");
    assertThat(plan.verdicts().get("second").message()).contains("'base'");
    assertThat(plan.verdicts().get("copies-only").accepted()).isTrue();
    assertThat(plan.modelPolicies()).isEqualTo(Map.of(
        "fraud-eu__isvc-1", new Bounds(2, 0, ""),
        "spam__isvc-2", Bounds.DEFAULT,
        "tenant7-model", new Bounds(0, 1, "t7")));
  }

  @Test
  void invalidPolicyIsRejectedAndDoesNotApply() {
    PlacementPlan plan = PlacementPlan.of(List.of(
        PolicyInput.invalid("broken", new InvalidResourceException("InvalidValue",
            "spec.loadingConcurrency must be 1..256, got 0")),
        policy("good", "loadingConcurrency: 8")), SUBJECTS);
    assertThat(plan.verdicts().get("broken").accepted()).isFalse();
    assertThat(plan.verdicts().get("broken").reason()).isEqualTo("InvalidValue");
    assertThat(plan.settings()).isEqualTo(Map.of("loadingConcurrency", "8"));
  }

  @Test
  void noPoliciesMeansDefaultsForOperatorOwnedModelsOnly() {
    PlacementPlan plan = PlacementPlan.of(List.of(), SUBJECTS);
    assertThat(plan.settings()).isEmpty();
    assertThat(plan.settingsSource()).isEmpty();
    assertThat(plan.modelPolicies()).containsOnlyKeys("fraud-eu__isvc-1", "spam__isvc-2");
  }
}
