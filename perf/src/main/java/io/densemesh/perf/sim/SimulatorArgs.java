package io.densemesh.perf.sim;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Command-line flags of {@code densemesh simulate}, parsed and validated once. Invalid input throws
 * {@link IllegalArgumentException} with a one-line message naming the flag.
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
    int repeat,
    boolean help) {

  public static final String DEFAULT_POLICIES =
      "lru,lru-p2c,cost-aware-global,lru-p2c-rate,cost-aware";

  public static SimulatorArgs parse(String... argv) {
    String scenario = "zipf";
    int models = 10_000;
    int nodes = 4;
    double capacity = 0.10;
    long seed = 1;
    long requests = 864_000;
    double rate = 10;
    double zipf = 0.9;
    String policies = DEFAULT_POLICIES;
    int slots = 4;
    long refresh = 2_000;
    long window = 1_000;
    long service = 20;
    String csv = null;
    String chart = null;
    String traceFile = null;
    String writeTrace = null;
    boolean help = false;
    int repeat = 1;
    for (int i = 0; i < argv.length; i++) {
      String flag = argv[i];
      String value = null;
      int eq = flag.indexOf('=');
      if (flag.startsWith("--") && eq > 0) {
        value = flag.substring(eq + 1);
        flag = flag.substring(0, eq);
      }
      if (flag.equals("--help") || flag.equals("-h")) {
        help = true;
        continue;
      }
      if (value == null) {
        if (i + 1 >= argv.length) {
          throw new IllegalArgumentException(flag + " needs a value");
        }
        value = argv[++i];
      }
      switch (flag) {
        case "--scenario" -> scenario = value;
        case "--models" -> models = (int) integer(flag, value);
        case "--nodes" -> nodes = (int) integer(flag, value);
        case "--capacity" -> capacity = number(flag, value);
        case "--seed" -> seed = integer(flag, value);
        case "--requests" -> requests = integer(flag, value);
        case "--rate" -> rate = number(flag, value);
        case "--zipf" -> zipf = number(flag, value);
        case "--policies" -> policies = value;
        case "--loading-slots" -> slots = (int) integer(flag, value);
        case "--refresh-ms" -> refresh = integer(flag, value);
        case "--herd-window-ms" -> window = integer(flag, value);
        case "--service-ms" -> service = integer(flag, value);
        case "--csv" -> csv = value;
        case "--chart" -> chart = value;
        case "--trace" -> traceFile = value;
        case "--write-trace" -> writeTrace = value;
        case "--repeat" -> repeat = (int) integer(flag, value);
        default -> throw new IllegalArgumentException("unknown flag " + flag);
      }
    }
    Scenario parsedScenario = Scenario.byFlag(scenario);
    if (parsedScenario == Scenario.CSV && traceFile == null) {
      throw new IllegalArgumentException("--scenario csv needs --trace FILE");
    }
    if (nodes < 1 || nodes > 1_000) {
      throw new IllegalArgumentException("--nodes must be in [1, 1000]: " + nodes);
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
    Path csvPath = Path.of(csv != null ? csv : "perf/results/simulate-" + parsedScenario.flag() + ".csv");
    return new SimulatorArgs(parsedScenario,
        new TraceParams(models, requests, rate, zipf, nodes, capacity, seed), policyList, slots,
        refresh, window, service, csvPath, chart == null ? null : Path.of(chart),
        traceFile == null ? null : Path.of(traceFile), writeTrace == null ? null : Path.of(writeTrace),
        repeat, help);
  }

  public static String usage() {
    StringBuilder s = new StringBuilder();
    s.append("usage: densemesh simulate [flags]\n\n")
        .append("Replays a request trace through a simulated cluster with each policy and prints a\n")
        .append("comparison table (ratios against the first policy, normally lru); writes CSV.\n\n")
        .append("  --scenario NAME       trace source (default zipf)\n")
        .append("  --models N            models in the catalog (default 10000)\n")
        .append("  --nodes N             serving nodes (default 4)\n")
        .append("  --capacity F          cluster memory as a fraction of all model bytes (default 0.10)\n")
        .append("  --requests N          requests to generate (default 864000 = 1 day at 10/s)\n")
        .append("  --rate R              mean requests per simulated second (default 10)\n")
        .append("  --zipf S              popularity exponent (default 0.9)\n")
        .append("  --seed N              RNG seed (default 1)\n")
        .append("  --policies A,B,...    policies to compare (default " + DEFAULT_POLICIES + ")\n")
        .append("  --loading-slots N     concurrent loads per node (default 4)\n")
        .append("  --refresh-ms N        cluster snapshot refresh period, simulated (default 2000)\n")
        .append("  --herd-window-ms N    herd factor window (default 1000)\n")
        .append("  --service-ms N        time a request keeps its copy busy (default 20)\n")
        .append("  --trace FILE          trace file for --scenario csv\n")
        .append("  --write-trace FILE    also write the generated trace in that format\n")
        .append("  --csv FILE            results CSV (default perf/results/simulate-<scenario>.csv)\n")
        .append("  --chart FILE          also draw a PNG chart of the ratios\n")
        .append("  --repeat N            replay N times (warm throughput; every pass must match)\n")
        .append("  --help                this text\n\nscenarios:\n");
    for (Scenario sc : Scenario.values()) {
      s.append(String.format("  %-14s %s%n", sc.flag(), sc.description()));
    }
    s.append("\npolicies:\n");
    PolicyPresets.descriptions().forEach((k, v) -> s.append(String.format("  %-18s %s%n", k, v)));
    return s.toString();
  }

  private static long integer(String flag, String value) {
    try {
      return Long.parseLong(value.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " must be an integer: '" + value + "'");
    }
  }

  private static double number(String flag, String value) {
    try {
      return Double.parseDouble(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " must be a number: '" + value + "'");
    }
  }

  @Override
  public String toString() {
    return "SimulatorArgs" + Arrays.asList(scenario, trace, policies);
  }
}
