package io.densemesh.cli.support;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Option defaults from the environment: {@code --grpc-port} of {@code serve} is read from
 * {@code DM_GRPC_PORT}, {@code --models} of {@code bench-mesh} from {@code DM_BENCH_MESH_MODELS}
 * (see {@link EnvironmentPrefix}), {@code --node} of {@code models register} from
 * {@code DM_MODELS_REGISTER_NODE}. An empty variable counts as unset; a flag always wins; an unset
 * variable leaves the option's declared default. The environment is injected, so tests pass a map.
 */
public final class EnvironmentDefaults implements IDefaultValueProvider {

  private final Map<String, String> env;

  public EnvironmentDefaults(Map<String, String> env) {
    this.env = Map.copyOf(Objects.requireNonNull(env, "env"));
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    if (!(arg instanceof OptionSpec option) || variable(option) == null) {
      return null;
    }
    String value = env.get(variable(option));
    return value == null || value.isEmpty() ? null : value;
  }

  /** Whether the environment sets this option (it then counts as given, like a flag). */
  public boolean provides(OptionSpec option) {
    return defaultValue(option) != null;
  }

  /** The variable an option is read from, or null for --help and --version. */
  public static String variable(OptionSpec option) {
    if (option.usageHelp() || option.versionHelp() || option.command() == null) {
      return null;
    }
    return prefix(option.command()) + option.longestName().replaceFirst("^-+", "")
        .toUpperCase(Locale.ROOT).replace('-', '_');
  }

  /** The prefix of one command's variables. */
  public static String prefix(CommandSpec command) {
    if (command.userObject() instanceof EnvironmentPrefix p) {
      return p.environmentPrefix();
    }
    List<String> path = new ArrayList<>(); // e.g. [models, register] below the root command
    for (CommandSpec c = command; c.parent() != null; c = c.parent()) {
      path.add(0, c.name());
    }
    if (path.isEmpty()) {
      path.add(command.name());
    }
    return "DM_" + String.join("_", path).toUpperCase(Locale.ROOT).replace('-', '_') + "_";
  }
}
