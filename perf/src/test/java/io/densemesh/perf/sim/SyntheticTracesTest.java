package io.densemesh.perf.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SyntheticTracesTest {

  private static final TraceParams PARAMS = new TraceParams(1_000, 50_000, 10, 0.9, 4, 0.10, 3);

  @Test
  void sameSeedSameTrace() {
    Trace a = SyntheticTraces.generate(Scenario.ZIPF, PARAMS);
    Trace b = SyntheticTraces.generate(Scenario.ZIPF, PARAMS);

    assertThat(b.timeMillis()).isEqualTo(a.timeMillis());
    assertThat(b.model()).isEqualTo(a.model());
    assertThat(a.durationMillis()).isBetween(4_800_000L, 5_200_000L);
  }

  @Test
  void zipfConcentratesRequestsOnFewModels() {
    Trace trace = SyntheticTraces.generate(Scenario.ZIPF, PARAMS);
    int[] counts = new int[trace.catalog().size()];
    for (int m : trace.model()) {
      counts[m]++;
    }
    int[] sorted = Arrays.stream(counts).sorted().toArray();
    long top100 = Arrays.stream(sorted, sorted.length - 100, sorted.length).sum();
    // Zipf(0.9) over 1,000 models: the top 10% take about 55% of requests.
    assertThat(top100 / (double) trace.length()).isBetween(0.45, 0.65);
  }

  @Test
  void bigModelArrivesHalfwayAndIsHalfANode() {
    Trace trace = SyntheticTraces.generate(Scenario.BIG_MODEL, PARAMS);
    ModelCatalog catalog = trace.catalog();
    int big = catalog.bigModel();
    long perNode = (long) (0.10 * catalog.totalBytes() / 4);

    assertThat(catalog.sizeBytes(big)).isBetween(perNode / 2 - 1_000, perNode / 2 + 1_000);
    long firstUse = -1;
    for (int i = 0; i < trace.length(); i++) {
      if (trace.model()[i] == big) {
        firstUse = trace.timeMillis()[i];
        break;
      }
    }
    assertThat(firstUse).isGreaterThanOrEqualTo(PARAMS.durationMillis() / 2);
  }

  @Test
  void noisyTenantScansOnlyAfterAThirdAndOwnsItsModels() {
    Trace trace = SyntheticTraces.generate(Scenario.NOISY_TENANT, PARAMS);
    ModelCatalog catalog = trace.catalog();
    long scans = 0;
    for (int i = 0; i < trace.length(); i++) {
      int m = trace.model()[i];
      if (catalog.id(m).startsWith("scan")) {
        scans++;
        assertThat(trace.timeMillis()[i]).isGreaterThanOrEqualTo(PARAMS.durationMillis() / 3);
        assertThat(catalog.tenantName(catalog.tenant(m))).isEqualTo("tenant-noisy");
      }
    }
    assertThat(scans / (double) trace.length()).isBetween(0.05, 0.08);
  }
}
