package io.densemesh.perf;

import io.densemesh.perf.latency.BenchAuthCommand;
import io.densemesh.perf.latency.BenchBatchingCommand;
import io.densemesh.perf.latency.BenchCommand;
import io.densemesh.perf.latency.BenchObservabilityCommand;
import io.densemesh.perf.latency.BenchStreamCommand;
import io.densemesh.perf.hop.BenchHopCommand;
import io.densemesh.perf.latency.BenchRestCommand;
import io.densemesh.perf.mesh.BenchMeshCommand;
import io.densemesh.perf.scale.BenchScaleCommand;
import io.densemesh.perf.sim.SimulateCommand;
import io.densemesh.perf.soak.BenchSoakCommand;
import io.densemesh.perf.storage.BenchStorageCommand;
import java.util.List;
import picocli.CommandLine;

/** The perf module's commands, registered under {@code densemesh} by the cli module. */
public final class PerfCommands {

  private PerfCommands() {}

  /** New instances, in the order --help lists them. */
  public static List<CommandLine> all() {
    return List.of(SimulateCommand.commandLine(), new CommandLine(new BenchCommand()),
        new CommandLine(new BenchAuthCommand()), new CommandLine(new BenchObservabilityCommand()),
        new CommandLine(new BenchBatchingCommand()), new CommandLine(new BenchStreamCommand()),
        new CommandLine(new BenchRestCommand()),
        new CommandLine(new BenchStorageCommand()), new CommandLine(new BenchMeshCommand()),
        new CommandLine(new BenchHopCommand()),
        new CommandLine(new BenchScaleCommand()), new CommandLine(new BenchSoakCommand()));
  }
}
