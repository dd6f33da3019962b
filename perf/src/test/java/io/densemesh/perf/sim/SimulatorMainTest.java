package io.densemesh.perf.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatorMainTest {

  @TempDir Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return SimulatorMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void badFlagIsOneLineErrorPlusUsageAndExitCode2() {
    assertThat(run("--nodez", "4")).isEqualTo(2);
    String text = err.toString(StandardCharsets.UTF_8);
    assertThat(text.lines().findFirst()).contains("densemesh simulate: unknown flag --nodez");
    assertThat(text).contains("usage: densemesh simulate").doesNotContain("Exception");
  }

  @Test
  void badValuesNameTheFlag() {
    assertThat(run("--capacity", "2")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("densemesh simulate: --capacity must be in (0, 1]");
    assertThat(run("--policies", "lru,fifo")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown policy 'fifo'");
  }

  @Test
  void helpListsScenariosAndPolicies() {
    assertThat(run("--help")).isZero();
    String text = out.toString(StandardCharsets.UTF_8);
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

    assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("reports identical");
    assertThat(Files.readAllLines(csv)).hasSize(3);
    assertThat(ImageIO.read(chart.toFile()).getWidth()).isEqualTo(1000);

    Path replayCsv = dir.resolve("replay.csv");
    assertThat(run("--scenario", "csv", "--trace", trace.toString(), "--policies", "lru,cost-aware",
        "--csv", replayCsv.toString())).isZero();
    // Same trace, same catalog, same capacity: identical results apart from the scenario column.
    assertThat(Files.readString(replayCsv).replace("csv,", "zipf,")).isEqualTo(Files.readString(csv));
  }
}
