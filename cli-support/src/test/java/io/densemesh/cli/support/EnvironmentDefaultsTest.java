package io.densemesh.cli.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

class EnvironmentDefaultsTest {

  @Command(name = "bench-x")
  static final class BenchX {
    @Option(names = "--wait-time", defaultValue = "1s", converter = DurationConverter.class)
    Duration waitTime;
    @Option(names = "--size", defaultValue = "1m", converter = ByteSizeConverter.class)
    long size;
  }

  @Command(name = "serve")
  static final class Serve implements EnvironmentPrefix {
    @Option(names = "--grpc-port", defaultValue = "8033")
    int grpcPort;

    @Override
    public String environmentPrefix() {
      return "DM_";
    }
  }

  @Test
  void variablesDefaultOptionsAndFlagsWin() {
    BenchX x = new BenchX();
    CommandLines.parse(x, Map.of("DM_BENCH_X_WAIT_TIME", "2m", "DM_BENCH_X_SIZE", "2g"),
        "--size", "3k");
    assertThat(x.waitTime).isEqualTo(Duration.ofMinutes(2));
    assertThat(x.size).isEqualTo(3L << 10);
  }

  @Test
  void subcommandsAreNamedByTheirPathAndAPrefixCanBeChosen() {
    CommandLine root = new CommandLine(CommandLine.Model.CommandSpec.create().name("densemesh"));
    Serve serve = new Serve();
    BenchX x = new BenchX();
    root.addSubcommand(serve).addSubcommand(x);
    CommandLines.create(root, Map.of("DM_GRPC_PORT", "9", "DM_BENCH_X_SIZE", "5k",
        "DM_BENCH_X_WAIT_TIME", "")).parseArgs("bench-x");
    assertThat(x.size).isEqualTo(5L << 10);
    assertThat(x.waitTime).as("an empty variable is unset").isEqualTo(Duration.ofSeconds(1));
    CommandLines.create(root, Map.of("DM_GRPC_PORT", "9")).parseArgs("serve");
    assertThat(serve.grpcPort).isEqualTo(9);
  }
}
