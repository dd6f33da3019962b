package io.densemesh.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command of {@code densemesh}: {@code --help} works and describes each option; a bad flag
 * is one line on stderr and exit code 2; {@code --version} answers.
 */
class LauncherTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine line = Launcher.commandLine(Map.of());
    line.setOut(new PrintWriter(out, true));
    line.setErr(new PrintWriter(err, true));
    return line.execute(args);
  }

  /** Every command path, e.g. [serve], [models, make]. */
  static Stream<List<String>> commands() {
    return paths(Launcher.root(), List.of());
  }

  private static Stream<List<String>> paths(CommandLine line, List<String> prefix) {
    return line.getSubcommands().entrySet().stream().flatMap(e -> {
      List<String> path = Stream.concat(prefix.stream(), Stream.of(e.getKey())).toList();
      return Stream.concat(Stream.of(path), paths(e.getValue(), path));
    });
  }

  @Test
  void helpListsEveryCommand() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString()).contains("serve", "quickstart", "models", "runtime", "operator",
        "simulate", "bench", "bench-auth", "bench-observability", "bench-batching", "bench-stream",
        "bench-rest", "bench-storage", "bench-mesh", "bench-hop", "bench-scale", "bench-soak");
    assertThat(commands().filter(p -> p.size() == 1).count()).isEqualTo(17);
  }

  @Test
  void versionNamesTheBuild() {
    assertThat(run("--version")).isZero();
    assertThat(out.toString()).startsWith("densemesh 0.").contains("Java");
  }

  @ParameterizedTest
  @MethodSource("commands")
  void everyCommandHasHelpWithEveryOptionDescribed(List<String> path) {
    assertThat(run(Stream.concat(path.stream(), Stream.of("--help")).toArray(String[]::new)))
        .isZero();
    assertThat(out.toString()).startsWith("Usage: densemesh " + String.join(" ", path));
    CommandLine command = Launcher.root();
    for (String name : path) {
      command = command.getSubcommands().get(name);
    }
    command.getCommandSpec().options().forEach(o -> assertThat(o.description())
        .as(path + " " + o.longestName()).isNotEmpty());
    assertThat(command.getCommandSpec().usageMessage().description()).as(path + "").isNotEmpty();
  }

  /** What commands with required arguments are given, so the bad flag is what is reported. */
  private static final Map<String, List<String>> REQUIRED = Map.of(
      "models make", List.of("dir"), "models register", List.of("id", "path"),
      "runtime", List.of("--listen", "127.0.0.1:1"));

  @ParameterizedTest
  @MethodSource("commands")
  void everyCommandAnswersABadFlagWithOneLineAndExitCodeTwo(List<String> path) {
    int code = run(Stream.of(path, REQUIRED.getOrDefault(String.join(" ", path), List.of()),
        List.of("--no-such-flag")).flatMap(List::stream).toArray(String[]::new));
    assertThat(code).isEqualTo(2);
    String name = "densemesh " + String.join(" ", path);
    assertThat(err.toString()).isEqualTo(name + ": Unknown option: '--no-such-flag' (see '"
        + name + " --help')" + System.lineSeparator());
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void oneDurationAndSizeSyntaxEverywhere() {
    // The same text parses for serve-like and benchmark commands; a malformed value names it.
    assertThat(run("quickstart", "--duration", "1m", "--capacity", "2Gi", "--models", "0"))
        .isEqualTo(2);
    assertThat(err.toString()).startsWith("densemesh quickstart: --models must be 1..100000");
    err.getBuffer().setLength(0);
    assertThat(run("operator", "--resync-period", "1x")).isEqualTo(2);
    assertThat(err.toString()).contains("'1x' is not a duration (examples: 500ms, 30s, 5m, 1h)")
        .hasLineCount(1);
    err.getBuffer().setLength(0);
    assertThat(run("bench-soak", "--capacity", "lots")).isEqualTo(2);
    assertThat(err.toString()).contains("'lots' is not a size").hasLineCount(1);
  }

  @Test
  void commandsOtherThanServeAndOperatorReadTheirOwnVariables() {
    CommandLine line = Launcher.commandLine(Map.of("DM_SIMULATE_NODES", "0", "DM_NODES", "7"));
    line.setErr(new PrintWriter(err, true));
    line.setOut(new PrintWriter(out, true));
    assertThat(line.execute("simulate", "--models", "10", "--requests", "10")).isEqualTo(2);
    assertThat(err.toString()).contains("--nodes must be in [1, 1000]: 0");
  }
}
