package io.densemesh.perf.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.densemesh.cli.support.CommandLines;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SimulateCommandTest {

  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine line = CommandLines.create(SimulateCommand.commandLine(), Map.of());
    line.setOut(new PrintWriter(out, true));
    line.setErr(new PrintWriter(err, true));
    return line.execute(args);
  }

  @Test
  void badFlagIsOneLineErrorAndExitCode2() {
    assertThat(run("--nodez", "4")).isEqualTo(2);
    assertThat(err.toString()).isEqualTo("simulate: Unknown options: '--nodez', '4' (see"
        + " 'simulate --help')" + System.lineSeparator());
  }

  @Test
  void badValuesNameTheFlag() {
    assertThat(run("--capacity", "2")).isEqualTo(2);
    assertThat(err.toString()).startsWith("simulate: --capacity must be in (0, 1]");
    assertThat(run("--policies", "lru,fifo")).isEqualTo(2);
    assertThat(err.toString()).contains("unknown policy 'fifo'");
  }

  @Test
  void helpListsScenariosAndPolicies() {
    assertThat(run("--help")).isZero();
    String text = out.toString();
    for (Scenario s : Scenario.values()) {
      assertThat(text).contains(s.flag());
    }
    assertThat(text).contains("cost-aware").contains("lru-p2c");
  }

  @Test
  void writesTableCsvChartAndTraceThatReplaysToTheSameReport() throws Exception {
    Path csv = dir.resolve("out.csv");
    Path chart = dir.resolve("chart.png");
    Path trace = dir.resolve("trace.csv");
    int code = run("--models", "300", "--requests", "20000", "--policies", "lru,cost-aware",
        "--csv", csv.toString(), "--chart", chart.toString(), "--write-trace", trace.toString(),
        "--repeat", "2");

    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString()).contains("reports identical");
    assertThat(Files.readAllLines(csv)).hasSize(3);
    assertThat(ImageIO.read(chart.toFile()).getWidth()).isEqualTo(1000);

    Path replayCsv = dir.resolve("replay.csv");
    assertThat(run("--scenario", "csv", "--trace", trace.toString(), "--policies", "lru,cost-aware",
        "--csv", replayCsv.toString())).isZero();
    // Same trace, same catalog, same capacity: identical results apart from the scenario column.
    assertThat(Files.readString(replayCsv).replace("csv,", "zipf,")).isEqualTo(Files.readString(csv));
  }
}
