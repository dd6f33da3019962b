package io.densemesh.cli.support;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/**
 * Builds and runs a command the way every {@code densemesh} command behaves:
 * <ul>
 *   <li>{@code --help} and {@code --version} on every command and subcommand; defaults shown;
 *       a footer naming the command's environment variables and the unit syntax;
 *   <li>options default from the environment ({@link EnvironmentDefaults});
 *   <li>exit codes: 0 success, 1 a failure while running, 2 bad usage. A bad flag, a malformed
 *       value or a value a configuration record rejects ({@link IllegalArgumentException}, which
 *       DenseMesh's {@code ConfigException} is) is one line on stderr, never a stack trace.
 * </ul>
 */
public final class CommandLines {

  /** Exit code of bad usage: an unknown flag, a malformed or invalid value. */
  public static final int USAGE = 2;
  /** Exit code of a failure while running. */
  public static final int FAILURE = 1;

  private static final String ENV_NOTE = "Every option can also be set in the environment as";

  private CommandLines() {}

  /** Runs {@code command} with the process's environment, stdout and stderr; returns the code. */
  public static int execute(Object command, String... args) {
    return create(command, System.getenv()).execute(args);
  }

  /** The configured command line (subcommands must already be registered on {@code command}). */
  public static CommandLine create(Object command, Map<String, String> env) {
    CommandLine line = command instanceof CommandLine c ? c : new CommandLine(command);
    configure(line);
    // As the hand-written parsers did: a repeated flag's last value wins, and "@x" is a value,
    // not a file of arguments to read.
    line.setOverwrittenOptionsAllowed(true);
    line.setExpandAtFiles(false);
    line.setDefaultValueProvider(new EnvironmentDefaults(env));
    line.setParameterExceptionHandler(CommandLines::usageError);
    line.setExecutionExceptionHandler((e, cmd, parsed) -> failure(e, cmd));
    return line;
  }

  /** Parses {@code args} into {@code options} (no execution); a usage error throws. */
  public static CommandLine.ParseResult parse(Object options, Map<String, String> env,
      String... args) {
    return create(options, env).parseArgs(args);
  }

  private static void configure(CommandLine line) {
    CommandSpec spec = line.getCommandSpec();
    if (spec.optionsMap().get("--help") == null) {
      spec.mixinStandardHelpOptions(true);
    }
    spec.versionProvider(new Version());
    String[] own = spec.usageMessage().footer();
    boolean done = java.util.Arrays.stream(own).anyMatch(l -> l.contains(ENV_NOTE));
    String[] shared = done ? new String[0] : footer(spec);
    String[] both = java.util.Arrays.copyOf(own, own.length + shared.length);
    System.arraycopy(shared, 0, both, own.length, shared.length);
    spec.usageMessage().showDefaultValues(true).sortOptions(false).abbreviateSynopsis(true)
        .footer(both);
    line.getSubcommands().values().forEach(CommandLines::configure);
  }

  private static String[] footer(CommandSpec spec) {
    boolean settable = spec.options().stream().anyMatch(o -> EnvironmentDefaults.variable(o)
        != null);
    if (!settable) {
      return new String[0];
    }
    boolean units = spec.options().stream().anyMatch(CommandLines::takesUnits);
    String env = "%n" + ENV_NOTE + " "
        + EnvironmentDefaults.prefix(spec) + "<OPTION> (upper case, '-' as '_'); a flag wins.";
    return units ? new String[] {env, Units.SYNTAX} : new String[] {env};
  }

  private static boolean takesUnits(OptionSpec option) {
    if (option.type() == Duration.class) {
      return true;
    }
    for (CommandLine.ITypeConverter<?> c : option.converters()) {
      if (c instanceof ByteSizeConverter || c instanceof DurationConverter) {
        return true;
      }
    }
    return false;
  }

  /** One line: what was wrong and where help is; exit code 2. */
  private static int usageError(ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    String name = cmd.getCommandSpec().qualifiedName(" ");
    PrintWriter err = cmd.getErr();
    err.println(name + ": " + oneLine(e.getMessage()) + " (see '" + name + " --help')");
    err.flush();
    return USAGE;
  }

  private static int failure(Exception e, CommandLine cmd) {
    PrintWriter err = cmd.getErr();
    String name = cmd.getCommandSpec().qualifiedName(" ");
    if (e instanceof IllegalArgumentException) {
      err.println(name + ": " + oneLine(e.getMessage()));
      err.flush();
      return USAGE;
    }
    err.println(name + ": " + oneLine(e.getMessage() == null ? e.toString() : e.getMessage()));
    err.flush();
    return FAILURE;
  }

  private static String oneLine(String message) {
    return message == null ? "invalid input" : message.strip().replaceAll("\\s*\\R\\s*", "; ");
  }
}
