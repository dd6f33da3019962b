package io.densemesh.perf.sim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * Formats reports as a console table and as CSV. Ratios are against the baseline: the report of
 * the policy named "lru" when present in the same run, else the first.
 */
public final class ReportTable {

  private ReportTable() {}

  public static SimReport baseline(List<SimReport> reports) {
    return reports.stream().filter(r -> r.policy().equals("lru")).findFirst().orElse(reports.get(0));
  }

  static double ratio(double value, double base) {
    return base == 0 ? (value == 0 ? 1.0 : Double.POSITIVE_INFINITY) : value / base;
  }

  /**
   * One change at a time: each policy against the preset that differs from it in one change
   * only (when both ran), so no ratio mixes an eviction change with a placement change.
   */
  public static String oneChangeTable(List<SimReport> reports) {
    Map<String, SimReport> byName = new LinkedHashMap<>();
    reports.forEach(r -> byName.put(r.policy(), r));
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "%-18s %-18s %-44s %7s %7s %7s %7s%n", "policy",
        "against", "the one change", "loads x", "wait x", "p99 x", "herd x"));
    for (SimReport r : reports) {
      PolicyPresets.oneChange(r.policy()).ifPresent(one -> {
        SimReport base = byName.get(one.baseline());
        if (base != null) {
          s.append(String.format(Locale.ROOT, "%-18s %-18s %-44s %7.3f %7.3f %7.3f %7.3f%n",
              r.policy(), one.baseline(), one.change(), ratio(r.loads(), base.loads()),
              ratio(r.totalWaitMillis(), base.totalWaitMillis()),
              ratio(r.p99WaitMillis(), base.p99WaitMillis()),
              ratio(r.herdFactor(), base.herdFactor())));
        }
      });
    }
    return s.toString();
  }

  public static String table(List<SimReport> reports) {
    SimReport base = baseline(reports);
    StringBuilder s = new StringBuilder();
    String oneChange = oneChangeTable(reports);
    if (oneChange.lines().count() > 1) {
      s.append("One change at a time (each against the preset it differs from in one change):\n")
          .append(oneChange).append("\nCombined, against ").append(base.policy()).append(":\n");
    }
    s.append(String.format(Locale.ROOT, "%-18s %8s %9s %9s %9s %8s %11s %7s %8s %7s %6s %6s%n",
        "policy", "hit", "loads", "GiB", "evicted", "copies+", "wait s", "xLRU", "p99 ms", "xLRU",
        "herd", "xLRU"));
    for (SimReport r : reports) {
      s.append(String.format(Locale.ROOT,
          "%-18s %7.2f%% %9d %9.1f %9d %8d %11.0f %7.3f %8d %7.3f %6.2f %6.3f%n",
          r.policy(), 100 * r.hitRatio(), r.loads(), r.bytesLoaded() / (double) (1L << 30),
          r.evictions(), r.copyLoads(), r.totalWaitMillis() / 1000.0,
          ratio(r.totalWaitMillis(), base.totalWaitMillis()), r.p99WaitMillis(),
          ratio(r.p99WaitMillis(), base.p99WaitMillis()), r.herdFactor(),
          ratio(r.herdFactor(), base.herdFactor())));
    }
    for (SimReport r : reports) {
      if (r.bigModelVictims() > 0 || r.bigModelDeficitBytes() > 0) {
        s.append(String.format(Locale.ROOT,
            "%-18s big model: deficit %.1f MiB, evicted %.1f MiB in %d copies (%.3fx the deficit)%n",
            r.policy(), r.bigModelDeficitBytes() / 1048576.0, r.bigModelEvictedBytes() / 1048576.0,
            r.bigModelVictims(), ratio(r.bigModelEvictedBytes(), r.bigModelDeficitBytes())));
      }
      s.append(String.format(Locale.ROOT, "%-18s busiest node did %.2fx the mean loads over the run%n",
          r.policy(), r.loadImbalance()));
      if (r.failed() > 0) {
        s.append(r.policy()).append(": ").append(r.failed()).append(" requests found no room\n");
      }
    }
    return s.toString();
  }

  public static String csv(String scenario, List<SimReport> reports) {
    SimReport base = baseline(reports);
    StringBuilder s = new StringBuilder(
        "scenario,policy,requests,hits,hit_ratio,joined_loads,failed,loads,copy_loads,bytes_loaded,"
            + "evictions,bytes_evicted,unloads,total_wait_ms,p99_wait_ms,herd_factor,load_imbalance,"
            + "big_model_deficit_bytes,big_model_evicted_bytes,big_model_victims,"
            + "hit_ratio_vs_lru,loads_vs_lru,total_wait_vs_lru,p99_wait_vs_lru,herd_vs_lru\n");
    for (SimReport r : reports) {
      s.append(String.format(Locale.ROOT,
          "%s,%s,%d,%d,%.6f,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%.4f,%.4f,%d,%d,%d,%.4f,%.4f,%.4f,%.4f,%.4f%n",
          scenario, r.policy(), r.requests(), r.hits(), r.hitRatio(), r.joinedLoads(), r.failed(),
          r.loads(), r.copyLoads(), r.bytesLoaded(), r.evictions(), r.bytesEvicted(), r.unloads(),
          r.totalWaitMillis(), r.p99WaitMillis(), r.herdFactor(), r.loadImbalance(),
          r.bigModelDeficitBytes(),
          r.bigModelEvictedBytes(), r.bigModelVictims(), ratio(r.hitRatio(), base.hitRatio()),
          ratio(r.loads(), base.loads()), ratio(r.totalWaitMillis(), base.totalWaitMillis()),
          ratio(r.p99WaitMillis(), base.p99WaitMillis()), ratio(r.herdFactor(), base.herdFactor())));
    }
    return s.toString();
  }

  public static void writeCsv(Path path, String scenario, List<SimReport> reports) throws IOException {
    Path parent = path.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(path, csv(scenario, reports), StandardCharsets.UTF_8);
  }
}
