package io.densemesh.cli;

import io.densemesh.cli.support.CommandLines;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the node jar ({@code densemesh-node.jar}, the node image): the node's own
 * commands. The full {@code densemesh} command (with the operator, simulator and benchmarks) is the
 * cli module's, which registers {@link #commands()} too. Exit codes: 0 success, 1 runtime failure,
 * 2 bad usage (one line, never a stack trace).
 */
@Command(name = "densemesh", synopsisSubcommandLabel = "COMMAND",
    description = "DenseMesh node: serve models, host runtimes, try it out.")
public final class Main {

  /** New instances of the node's commands, in the order --help lists them. */
  public static List<Object> commands() {
    return List.of(new ServeCommand(), new QuickstartCommand(), new ModelsCommand(),
        new RuntimeCommand());
  }

  public static void main(String[] args) {
    System.exit(CommandLines.execute(root(), args));
  }

  /** Runs with the given streams (tests); the process environment applies. */
  static int run(List<String> args, PrintStream out, PrintStream err) {
    CommandLine line = CommandLines.create(root(), System.getenv());
    line.setOut(new PrintWriter(out, true));
    line.setErr(new PrintWriter(err, true));
    return line.execute(args.toArray(String[]::new));
  }

  /** This jar's root command with its subcommands. */
  static CommandLine root() {
    CommandLine root = new CommandLine(new Main());
    commands().forEach(root::addSubcommand);
    return root;
  }
}
