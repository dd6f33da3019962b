package io.densemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node jar's commands: usage, errors, {@code models make}. */
class MainTest {

  @TempDir
  Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return Main.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void runtimeWithoutListenIsAOneLineUsageError() {
    assertThat(run("runtime")).isEqualTo(2);
    assertThat(err()).isEqualTo("densemesh runtime: Missing required option: '--listen=ADDRESS'"
        + " (see 'densemesh runtime --help')" + System.lineSeparator());
  }

  @Test
  void helpListsTheCommandsAndServeListsItsFlagsWithVariables() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("serve", "quickstart", "runtime",
        "models");
    out.reset();
    assertThat(run("serve", "--help")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("--remote-runtime=[TYPES=]ADDR[;data=ADDR]")
        .contains("Default: 8033")
        .contains("environment as DM_<OPTION>")
        .contains("Durations: 500us, 500ms");
  }

  @Test
  void quickstartTakesTheSameDurationSyntaxAsServe() {
    assertThat(run("quickstart", "--duration", "1m", "--models", "0")).isEqualTo(2);
    assertThat(err()).as("1m parsed; the record then rejects --models 0")
        .startsWith("densemesh quickstart: --models must be 1..100000");
    err.reset();
    assertThat(run("quickstart", "--duration", "soon")).isEqualTo(2);
    assertThat(err()).contains("'soon' is not a duration").hasLineCount(1);
  }

  @Test
  void modelsMakeWritesLoadableSampleModels() throws Exception {
    assertThat(run("models", "make", dir.resolve("m").toString(), "--count", "2")).isZero();
    assertThat(Files.list(dir.resolve("m")).map(p -> p.getFileName().toString()).sorted())
        .containsExactly("a.onnx", "b.onnx");
    assertThat(Files.readAllBytes(dir.resolve("m/a.onnx")))
        .isNotEqualTo(Files.readAllBytes(dir.resolve("m/b.onnx")));
    assertThat(run("models", "make", dir.toString(), "--count", "27")).isEqualTo(2);
    assertThat(err()).contains("--count must be 1..26");
  }
}
