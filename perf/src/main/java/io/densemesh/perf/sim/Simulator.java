package io.densemesh.perf.sim;

import io.densemesh.placement.PolicySet;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Builds the trace and cluster from the arguments and runs every policy on the same trace. */
public final class Simulator {

  /** One policy's report and the wall time its replay took (for throughput only). */
  public record PolicyRun(SimReport report, long wallNanos) {}

  /** The outcome of a whole comparison. */
  public record Result(Trace trace, ClusterSpec spec, List<PolicyRun> runs, double firstPassRequestsPerSecond) {

    public List<SimReport> reports() {
      return runs.stream().map(PolicyRun::report).toList();
    }

    /** Requests replayed per wall-clock second, over all policies. */
    public double requestsPerSecond() {
      return Simulator.requestsPerSecond(trace, runs);
    }
  }

  private Simulator() {}

  public static Trace trace(SimulatorArgs args) throws IOException {
    if (args.scenario() == Scenario.CSV) {
      return TraceFile.read(args.traceFile(), Math.min(3, args.trace().nodes()), args.trace().seed());
    }
    return SyntheticTraces.generate(args.scenario(), args.trace());
  }

  public static ClusterSpec spec(SimulatorArgs args, Trace trace) {
    long perNode = (long) (args.trace().capacityFraction() * trace.catalog().totalBytes()
        / args.trace().nodes());
    return new ClusterSpec(args.trace().nodes(), Math.max(1, perNode), args.loadingSlots(),
        args.refreshMillis(), args.herdWindowMillis(), args.serviceMillis());
  }

  /**
   * Runs every policy on the same trace, {@code args.repeat()} times over. Repeats exist to measure
   * warm (JIT-compiled) throughput, and double as a determinism check: every pass must report
   * exactly what the first did.
   */
  public static Result run(SimulatorArgs args) throws IOException {
    Trace trace = trace(args);
    ClusterSpec spec = spec(args, trace);
    List<PolicyRun> first = null;
    List<PolicyRun> runs = null;
    for (int pass = 0; pass < args.repeat(); pass++) {
      runs = new ArrayList<>();
      for (String policy : args.policies()) {
        PolicySet set = PolicySet.from(PolicyPresets.byName(policy));
        ClusterSimulation sim = new ClusterSimulation(trace, spec, policy, set, args.trace().seed());
        long start = System.nanoTime();
        SimReport report = sim.run();
        runs.add(new PolicyRun(report, System.nanoTime() - start));
      }
      if (first == null) {
        first = runs;
      } else if (!reports(first).equals(reports(runs))) {
        throw new IllegalStateException("pass " + (pass + 1) + " reported differently from pass 1");
      }
    }
    return new Result(trace, spec, runs, requestsPerSecond(trace, first));
  }

  private static List<SimReport> reports(List<PolicyRun> runs) {
    return runs.stream().map(PolicyRun::report).toList();
  }

  static double requestsPerSecond(Trace trace, List<PolicyRun> runs) {
    long nanos = runs.stream().mapToLong(PolicyRun::wallNanos).sum();
    return nanos == 0 ? 0 : (double) trace.length() * runs.size() / (nanos / 1e9);
  }
}
