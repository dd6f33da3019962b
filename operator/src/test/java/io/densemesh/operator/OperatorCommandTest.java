package io.densemesh.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class OperatorCommandTest {

  @Test
  void defaults() {
    OperatorConfig c = OperatorCommand.parse(List.of(), Map.of());
    assertThat(c.namespace()).isEqualTo("default");
    assertThat(c.defaultReplicas()).isEqualTo(1);
    assertThat(c.meshTarget()).isEqualTo(Optional.empty());
    assertThat(c.resyncPeriod()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.statusPollInterval()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void healthPortFromTheEnvironmentAndBadPortsRefused() {
    assertThat(OperatorCommand.parse(List.of(), Map.of()).healthPort()).isEqualTo(8081);
    assertThat(OperatorCommand.parse(List.of(), Map.of("DM_HEALTH_PORT", "0")).healthPort())
        .as("0 turns the endpoint off").isZero();
    assertThatThrownBy(() -> OperatorCommand.parse(List.of("--health-port", "70000"),
        Map.of())).hasMessageContaining("--health-port must be 0..65535, got 70000");
    assertThatThrownBy(() -> OperatorCommand.parse(List.of("--health-port", "http"),
        Map.of())).hasMessageContaining("'--health-port': 'http' is not an int");
  }

  @Test
  void flagsBeatEnvironment() {
    OperatorConfig c = OperatorCommand.parse(
        List.of("--namespace", "serving", "--resync-period=1m", "--mesh-target", "mesh:8033"),
        Map.of("DM_NAMESPACE", "ignored", "DM_DEFAULT_REPLICAS", "3",
            "DM_NODE_IMAGE", "registry/dm:1"));
    assertThat(c.namespace()).isEqualTo("serving");
    assertThat(c.resyncPeriod()).isEqualTo(Duration.ofMinutes(1));
    assertThat(c.meshTarget()).contains("mesh:8033");
    assertThat(c.defaultReplicas()).isEqualTo(3);
    assertThat(c.nodeImage()).isEqualTo("registry/dm:1");
  }

  @Test
  void badValuesFailWithPreciseMessages() {
    assertThatThrownBy(() -> OperatorCommand.parse(List.of("--replicas", "2"), Map.of()))
        .hasMessage("Unknown options: '--replicas', '2'");
    assertThatThrownBy(() -> OperatorCommand.parse(List.of("--namespace", "Bad_NS"),
        Map.of())).hasMessageContaining("--namespace must be a DNS label");
    assertThatThrownBy(() -> OperatorCommand.parse(List.of("--resync-period", "soon"),
        Map.of())).hasMessageContaining("'--resync-period': 'soon' is not a duration");
    assertThatThrownBy(() -> OperatorCommand.parse(List.of("--default-replicas", "-1"),
        Map.of())).hasMessageContaining("--default-replicas must be 0..10000");
    assertThatThrownBy(() -> OperatorCommand.parse(List.of("--status-poll-interval", "1m",
        "--resync-period", "30s"), Map.of()))
        .hasMessageContaining("must not exceed --resync-period");
    assertThatThrownBy(() -> OperatorCommand.parse(List.of("--namespace"), Map.of()))
        .hasMessageStartingWith("Missing required parameter for option '--namespace'");
  }

  @Test
  void helpListsEveryOptionWithItsVariableAndABadFlagIsOneLineExitTwo() {
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine line = io.densemesh.cli.support.CommandLines.create(
        new OperatorCommand(), Map.of());
    line.setOut(new java.io.PrintWriter(out));
    line.setErr(new java.io.PrintWriter(err));
    assertThat(line.execute("--help")).isZero();
    assertThat(out.toString()).contains("--namespace=NS", "--mesh-deadline=DURATION",
        "environment as DM_<OPTION>", "Default: densemesh-etcd");
    assertThat(line.execute("--replicas=2")).isEqualTo(2);
    assertThat(err.toString()).isEqualTo("operator: Unknown option: '--replicas=2' (see"
        + " 'operator --help')" + System.lineSeparator());
  }
}
