package io.densemesh.perf.sim;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What {@code densemesh simulate} runs ({@link SimulateCommand} reads the flags), validated once.
 * Invalid input throws {@link IllegalArgumentException} with a one-line message naming the flag.
 */
public record SimulatorArgs(
    Scenario scenario,
    TraceParams trace,
    List<String> policies,
    int loadingSlots,
    long refreshMillis,
    long herdWindowMillis,
    long serviceMillis,
    Path csv,
    Path chart,
    Path traceFile,
    Path writeTrace,
    int repeat) {

  public static final String DEFAULT_POLICIES =
      "lru,lru-p2c,cost-aware-global,lru-p2c-rate,cost-aware";

  /**
   * Validates and assembles the flags; {@link IllegalArgumentException} names the flag.
   *
   * @param csv results file, or null for {@code perf/results/simulate-<scenario>.csv}
   */
  public static SimulatorArgs of(String scenario, TraceParams trace, String policies,
      int slots, long refresh, long window, long service, Path csv, Path chart, Path traceFile,
      Path writeTrace, int repeat) {
    Scenario parsedScenario = Scenario.byFlag(scenario);
    if (parsedScenario == Scenario.CSV && traceFile == null) {
      throw new IllegalArgumentException("--scenario csv needs --trace FILE");
    }
    if (trace.nodes() < 1 || trace.nodes() > 1_000) {
      throw new IllegalArgumentException("--nodes must be in [1, 1000]: " + trace.nodes());
    }
    if (slots < 1 || refresh < 1 || window < 1 || service < 0) {
      throw new IllegalArgumentException(
          "--loading-slots, --refresh-ms and --herd-window-ms must be >= 1, --service-ms >= 0");
    }
    if (repeat < 1 || repeat > 100) {
      throw new IllegalArgumentException("--repeat must be in [1, 100]: " + repeat);
    }
    List<String> policyList = new ArrayList<>();
    for (String p : policies.split(",")) {
      String name = p.trim();
      PolicyPresets.byName(name);
      policyList.add(name);
    }
    Path csvPath = csv != null ? csv
        : Path.of("perf/results/simulate-" + parsedScenario.flag() + ".csv");
    return new SimulatorArgs(parsedScenario, trace, policyList, slots, refresh, window, service,
        csvPath, chart, traceFile, writeTrace, repeat);
  }

  /** The scenarios and policies, for --help (plain text, one per line). */
  public static String lists() {
    StringBuilder s = new StringBuilder("\nScenarios:\n");
    for (Scenario sc : Scenario.values()) {
      s.append(String.format("  %-14s %s\n", sc.flag(), sc.description()));
    }
    s.append("\nPolicies:\n");
    PolicyPresets.descriptions().forEach((k, v) -> s.append(String.format("  %-18s %s\n", k, v)));
    return s.toString();
  }

  @Override
  public String toString() {
    return "SimulatorArgs" + Arrays.asList(scenario, trace, policies);
  }
}
