package io.densemesh.operator.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.operator.TestManifests;
import io.densemesh.operator.resource.InvalidResourceException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlacementPolicySpecTest {

  static PlacementPolicySpec parse(String spec) {
    return PlacementPolicySpec.from(TestManifests.yaml("""
        apiVersion: densemesh.io/v1alpha1
        kind: PlacementPolicy
        metadata: {name: p}
        spec:
        """ + spec.indent(2)));
  }

  @Test
  void mapsFieldsToMeshSettingsKeys() {
    PlacementPolicySpec p = parse("""
        eviction: Cost-Aware
        placement: p2c
        copies: rate
        costHalfLife: 10m
        perCopyRatePerSecond: 40
        secondCopyRatePerSecond: 12.5
        idleTtl: 0
        tenantQuotaFraction: 0.5
        memoryHeadroomFraction: 0.1
        loadingConcurrency: 4
        """);
    assertThat(p.settings()).isEqualTo(Map.of("eviction", "cost-aware", "placement", "p2c",
        "copies", "rate", "costHalfLifeMillis", "600000", "perCopyRatePerSecond", "40",
        "secondCopyRatePerSecond", "12.5", "idleTtlMillis", "0", "tenantQuotaFraction", "0.5",
        "memoryHeadroomFraction", "0.1", "loadingConcurrency", "4"));
    assertThat(parse("modelCopies: [{namePattern: 'x*', minCopies: 1}]\n").settings())
        .isEmpty();
  }

  @Test
  void rejectsInvalidValuesNamingTheField() {
    assertRejected("eviction: fifo", "eviction must be one of");
    assertRejected("tenantQuotaFraction: 1.5", "tenantQuotaFraction must be in (0, 1]");
    assertRejected("memoryHeadroomFraction: 0.95", "spec.memoryHeadroomFraction must be 0..0.9");
    assertRejected("loadingConcurrency: 0", "spec.loadingConcurrency must be 1..256");
    assertRejected("loadingConcurrency: 2.5", "spec.loadingConcurrency must be a whole number");
    assertRejected("idleTtl: soon", "spec.idleTtl: 'soon' is not a duration");
    assertRejected("costHalfLife: 0s", "spec.costHalfLife must be > 0");
    assertRejected("perCopyRatePerSecond: fast", "spec.perCopyRatePerSecond must be a number");
    assertRejected("modelCopies: [{minCopies: 1}]", "needs namePattern or matchLabels");
    assertRejected("modelCopies: [{namePattern: a, minCopies: 3, maxCopies: 2}]",
        "minCopies (3) exceeds maxCopies (2)");
    assertRejected("modelCopies: [{namePattern: a, minCopies: -1}]", "must be 0..1000");
  }

  private static void assertRejected(String spec, String message) {
    assertThatThrownBy(() -> parse(spec)).isInstanceOf(InvalidResourceException.class)
        .hasMessageContaining(message)
        .satisfies(e -> assertThat(((InvalidResourceException) e).reason())
            .isEqualTo("InvalidValue"));
  }

  @Test
  void copyRulesMatchByGlobAndLabels() {
    PlacementPolicySpec p = parse("""
        modelCopies:
          - namePattern: "fraud-*"
            matchLabels: {tier: gold}
            minCopies: 2
            maxCopies: 4
            tenant: acme
          - matchLabels: {tier: bronze}
            maxCopies: 1
        """);
    CopyRule gold = p.rules().get(0);
    assertThat(gold.matches("fraud-eu", Map.of("tier", "gold"))).isTrue();
    assertThat(gold.matches("fraud-eu", Map.of("tier", "bronze"))).isFalse();
    assertThat(gold.matches("spam-eu", Map.of("tier", "gold"))).isFalse();
    assertThat(gold.matches("fraud.eu", Map.of("tier", "gold")))
        .as("only * and ? are wildcards").isFalse();
    assertThat(p.rules().get(1).matches("anything", Map.of("tier", "bronze"))).isTrue();
    assertThat(gold.tenant()).isEqualTo("acme");
  }
}
