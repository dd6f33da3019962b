package io.densemesh.perf.sim;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;

/** {@code densemesh simulate}: parses flags, runs the comparison, prints, writes CSV and chart. */
public final class SimulatorMain {

  private SimulatorMain() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs and returns the exit code: 0 done, 2 bad usage, 1 I/O failure. */
  public static int run(String[] argv, PrintStream out, PrintStream err) {
    SimulatorArgs args;
    try {
      args = SimulatorArgs.parse(argv);
    } catch (IllegalArgumentException e) {
      err.println("densemesh simulate: " + e.getMessage());
      err.print(SimulatorArgs.usage());
      return 2;
    }
    if (args.help()) {
      out.print(SimulatorArgs.usage());
      return 0;
    }
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
      return 0;
    } catch (IllegalArgumentException e) {
      err.println("densemesh simulate: " + e.getMessage());
      return 2;
    } catch (IOException | IllegalStateException e) {
      err.println("densemesh simulate: " + e);
      return 1;
    }
  }
}
