package io.densemesh.perf.sim;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code densemesh simulate}: runs the comparison, prints, writes CSV and chart. */
@Command(name = "simulate", sortOptions = false,
    description = {"Replay a request trace through a simulated cluster with each placement policy"
        + " and print a comparison table (ratios against the first policy, normally lru);"
        + " writes CSV."})
public final class SimulateCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;
  @Option(names = "--scenario", defaultValue = "zipf", paramLabel = "NAME",
      description = "Trace source (listed below).")
  String scenario;
  @Option(names = "--models", defaultValue = "10000", paramLabel = "N",
      description = "Models in the catalog.")
  int models;
  @Option(names = "--nodes", defaultValue = "4", paramLabel = "N",
      description = "Serving nodes (1..1000).")
  int nodes;
  @Option(names = "--capacity", defaultValue = "0.10", paramLabel = "F",
      description = "Cluster memory as a fraction of all model bytes, (0, 1].")
  double capacity;
  @Option(names = "--requests", defaultValue = "864000", paramLabel = "N",
      description = "Requests to generate (864000 = 1 day at 10/s).")
  long requests;
  @Option(names = "--rate", defaultValue = "10", paramLabel = "R",
      description = "Mean requests per simulated second.")
  double rate;
  @Option(names = "--zipf", defaultValue = "0.9", paramLabel = "S",
      description = "Popularity exponent.")
  double zipf;
  @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "RNG seed.")
  long seed;
  @Option(names = "--policies", defaultValue = SimulatorArgs.DEFAULT_POLICIES,
      paramLabel = "A,B,...", description = "Policies to compare (listed below).")
  String policies;
  @Option(names = "--loading-slots", defaultValue = "4", paramLabel = "N",
      description = "Concurrent loads per node.")
  int loadingSlots;
  @Option(names = "--refresh-ms", defaultValue = "2000", paramLabel = "N",
      description = "Cluster snapshot refresh period, simulated milliseconds.")
  long refreshMs;
  @Option(names = "--herd-window-ms", defaultValue = "1000", paramLabel = "N",
      description = "Herd factor window, milliseconds.")
  long herdWindowMs;
  @Option(names = "--service-ms", defaultValue = "20", paramLabel = "N",
      description = "Time a request keeps its copy busy, milliseconds.")
  long serviceMs;
  @Option(names = "--trace", paramLabel = "FILE", description = "Trace file for --scenario csv.")
  Path traceFile;
  @Option(names = "--write-trace", paramLabel = "FILE",
      description = "Also write the generated trace in that format.")
  Path writeTrace;
  @Option(names = "--csv", paramLabel = "FILE",
      description = "Results CSV (default: perf/results/simulate-<scenario>.csv).")
  Path csv;
  @Option(names = "--chart", paramLabel = "FILE",
      description = "Also draw a PNG chart of the ratios.")
  Path chart;
  @Option(names = "--repeat", defaultValue = "1", paramLabel = "N",
      description = "Replay N times (warm throughput; every pass must match), 1..100.")
  int repeat;

  /** The command with the scenarios and policies listed in its --help. */
  public static CommandLine commandLine() {
    CommandLine line = new CommandLine(new SimulateCommand());
    line.getCommandSpec().usageMessage().footer(
        SimulatorArgs.lists().replace("%", "%%").replace("\n", "%n"));
    return line;
  }

  @Override
  public Integer call() {
    SimulatorArgs args = SimulatorArgs.of(scenario,
        new TraceParams(models, requests, rate, zipf, nodes, capacity, seed), policies,
        loadingSlots, refreshMs, herdWindowMs, serviceMs, csv, chart, traceFile, writeTrace,
        repeat);
    PrintWriter out = spec.commandLine().getOut();
    try {
      Simulator.Result result = Simulator.run(args);
      Trace trace = result.trace();
      out.printf(Locale.ROOT,
          "scenario %s: %d requests over %.1f h simulated, %d models, %d tenants, %d nodes x %.1f GiB"
              + " (%.0f%% of %.1f GiB), seed %d%n",
          args.scenario().flag(), trace.length(), trace.durationMillis() / 3_600_000.0,
          trace.catalog().size(), trace.catalog().tenantCount(), result.spec().nodes(),
          result.spec().capacityBytesPerNode() / (double) (1L << 30),
          100.0 * result.spec().nodes() * result.spec().capacityBytesPerNode()
              / trace.catalog().totalBytes(),
          trace.catalog().totalBytes() / (double) (1L << 30), args.trace().seed());
      out.print(ReportTable.table(result.reports()));
      out.printf(Locale.ROOT,
          "throughput: %d requests x %d policies, first pass %.2f M requests/s",
          trace.length(), result.runs().size(), result.firstPassRequestsPerSecond() / 1e6);
      if (args.repeat() > 1) {
        out.printf(Locale.ROOT, ", pass %d of %d %.2f M requests/s (reports identical)",
            args.repeat(), args.repeat(), result.requestsPerSecond() / 1e6);
      }
      out.println();
      ReportTable.writeCsv(args.csv(), args.scenario().flag(), result.reports());
      out.println("csv: " + args.csv());
      if (args.chart() != null) {
        ComparisonChart.write(args.chart(), "densemesh simulate --scenario " + args.scenario().flag()
            + " (" + trace.catalog().size() + " models, " + result.spec().nodes() + " nodes)",
            result.reports());
        out.println("chart: " + args.chart());
      }
      if (args.writeTrace() != null) {
        TraceFile.write(trace, args.writeTrace());
        out.println("trace: " + args.writeTrace());
      }
      out.flush();
      return 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
