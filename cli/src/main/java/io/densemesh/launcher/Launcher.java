package io.densemesh.launcher;

import io.densemesh.cli.Main;
import io.densemesh.cli.support.CommandLines;
import io.densemesh.operator.OperatorCommand;
import io.densemesh.perf.PerfCommands;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code densemesh}, as {@code ./densemesh} runs it: the node's commands, the operator, the
 * placement simulator and the benchmarks. Each module defines its own commands; this only
 * assembles them, so the node and operator jars (and images) stay free of each other.
 * Exit codes: 0 success, 1 runtime failure, 2 bad usage.
 */
@Command(name = "densemesh", synopsisSubcommandLabel = "COMMAND",
    description = {"DenseMesh: a high-density multi-model serving mesh (KServe V2 + ModelMesh"
        + " APIs).", "Run 'densemesh COMMAND --help' for a command's options."})
public final class Launcher {

  public static void main(String[] args) {
    System.exit(CommandLines.create(root(), System.getenv()).execute(args));
  }

  /** The root command with every subcommand. */
  public static CommandLine root() {
    CommandLine root = new CommandLine(new Launcher());
    Main.commands().forEach(root::addSubcommand);
    root.addSubcommand(new OperatorCommand());
    PerfCommands.all().forEach(root::addSubcommand);
    return root;
  }

  /** The configured command line with an injected environment (tests). */
  static CommandLine commandLine(Map<String, String> env) {
    return CommandLines.create(root(), env);
  }
}
