package io.densemesh.perf.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Results are shown one change at a time before the combined ratios against LRU. */
class ReportTableTest {

  private static SimReport report(String policy, long loads, long waitMillis) {
    return new SimReport(policy, 1000, 900, 0, 0, loads, 0, 0, 0, 0, 0, waitMillis, 10, 2.0, 1.0,
        0, 0, 0);
  }

  @Test
  void eachPolicyIsComparedWithThePresetOneChangeAway() {
    List<SimReport> reports = List.of(report("lru", 100, 1000), report("lru-p2c", 80, 800),
        report("lru-p2c-rate", 80, 400), report("cost-aware", 40, 100));

    String oneChange = ReportTable.oneChangeTable(reports);

    assertThat(oneChange).containsPattern("cost-aware +lru-p2c-rate +eviction: cost-aware"
        + " +0\\.500 +0\\.250");
    assertThat(oneChange).containsPattern("lru-p2c +lru +placement: power of two +0\\.800");
    assertThat(oneChange).doesNotContain("cost-aware-global");
  }

  @Test
  void theCombinedTableFollowsTheOneChangeTable() {
    String table = ReportTable.table(List.of(report("lru", 100, 1000),
        report("cost-aware-global", 50, 100)));

    assertThat(table.indexOf("One change at a time"))
        .isLessThan(table.indexOf("Combined, against lru"));
  }

  @Test
  void aPolicyWhoseBaselineDidNotRunIsLeftOut() {
    String oneChange = ReportTable.oneChangeTable(List.of(report("lru", 100, 1000),
        report("cost-aware", 40, 100)));

    assertThat(oneChange.lines().count()).as("the header only").isEqualTo(1);
  }
}
