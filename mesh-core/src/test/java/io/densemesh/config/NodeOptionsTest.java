package io.densemesh.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.units.ByteSizes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeOptionsTest {

  @Test
  void defaultsMatchTheDocumentedPorts() {
    NodeConfig c = NodeOptions.parse(List.of(), Map.of());
    assertThat(c.grpcPort()).isEqualTo(8033);
    assertThat(c.restPort()).isEqualTo(8008);
    assertThat(c.metricsPort()).isEqualTo(2112);
    assertThat(c.internalPort()).isEqualTo(8080);
    assertThat(c.capacityBytes()).isEqualTo(1L << 30);
    assertThat(c.instanceId()).startsWith("node-");
  }

  @Test
  void flagsWinOverEnvironment() {
    NodeConfig c = NodeOptions.parse(
        List.of("--capacity", "512m", "--grpc-port=9000", "--data-dir", "/tmp/x"),
        Map.of("DM_CAPACITY", "2g", "DM_REST_PORT", "9001", "DM_LOAD_TIMEOUT", "5s"));
    assertThat(c.capacityBytes()).isEqualTo(512L << 20);
    assertThat(c.grpcPort()).isEqualTo(9000);
    assertThat(c.restPort()).isEqualTo(9001);
    assertThat(c.loadTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.dataDir()).isEqualTo(Path.of("/tmp/x"));
  }

  @Test
  void badValuesAreOneLineErrorsNamingTheOption() {
    assertThatThrownBy(() -> NodeOptions.parse(List.of("--capacity", "lots"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("'--capacity': 'lots' is not a size");
    assertThatThrownBy(() -> NodeOptions.parse(List.of("--grpc-port", "70000"), Map.of()))
        .hasMessageContaining("--grpc-port must be 0..65535");
    assertThatThrownBy(() -> NodeOptions.parse(List.of("--nope", "1"), Map.of()))
        .hasMessageContaining("Unknown options: '--nope'");
    assertThatThrownBy(() -> NodeOptions.parse(List.of("--grpc-port"), Map.of()))
        .hasMessageContaining("Missing required parameter for option '--grpc-port'");
    assertThatThrownBy(() -> NodeOptions.parse(List.of(), Map.of("DM_REST_PORT", "8033")))
        .hasMessageContaining("must differ");
    assertThatThrownBy(() -> NodeOptions.parse(List.of("--load-timeout", "soon"), Map.of()))
        .hasMessageContaining("not a duration");
    assertThatThrownBy(() -> NodeOptions.parse(List.of("--eviction", "fifo"), Map.of()))
        .hasMessageContaining("lru or cost-aware");
    assertThatThrownBy(() -> NodeOptions.parse(List.of("serve"), Map.of()))
        .hasMessageContaining("Unmatched argument");
  }

  @Test
  void withoutAuthenticationTheNodeListensOnLoopbackUnlessInsecure() {
    NodeConfig open = NodeOptions.parse(List.of(), Map.of());
    assertThat(open.auth().enabled()).isFalse();
    assertThat(open.host()).isEqualTo("0.0.0.0");
    assertThat(open.bindHost()).isEqualTo("127.0.0.1");
    assertThat(open.loopbackOnly()).isTrue();
    assertThat(NodeOptions.parse(List.of("--insecure"), Map.of()).bindHost())
        .isEqualTo("0.0.0.0");
    assertThat(NodeOptions.parse(List.of("--insecure", "--grpc-port", "9000"), Map.of())
        .bindHost()).isEqualTo("0.0.0.0");
    assertThat(NodeOptions.parse(List.of(), Map.of("DM_INSECURE", "true")).bindHost())
        .isEqualTo("0.0.0.0");
    assertThat(NodeOptions.parse(List.of("--insecure=false"), Map.of()).bindHost())
        .isEqualTo("127.0.0.1");
    NodeConfig keyed = NodeOptions.parse(List.of("--api-keys-file", "/etc/dm/keys"), Map.of());
    assertThat(keyed.auth().enabled()).isTrue();
    assertThat(keyed.bindHost()).isEqualTo("0.0.0.0");
  }

  @Test
  void aKeySetNeedsItsIssuerAndAudience() {
    assertThatThrownBy(() -> NodeOptions.parse(List.of("--jwks-file", "/k.json"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("--jwt-issuer and --jwt-audience");
    assertThatThrownBy(() -> NodeOptions.parse(List.of("--insecure", "maybe"), Map.of()))
        .hasMessageContaining("--insecure: 'maybe'");
    assertThatThrownBy(() -> NodeOptions.parse(List.of("--internal-port", "8033"), Map.of()))
        .hasMessageContaining("must differ");
  }

  @Test
  void aRepeatedFlagsLastValueWinsAndAtSignsAreValues() {
    NodeConfig c = NodeOptions.parse(List.of("--grpc-port", "9000", "--zone", "@z",
        "--grpc-port", "9001"), Map.of());
    assertThat(c.grpcPort()).isEqualTo(9001);
    assertThat(c.mesh().zone()).isEqualTo("@z");
  }

  @Test
  void restSettingsHaveSaneDefaultsAndRefuseBadValues() {
    RestSettings rest = NodeOptions.parse(List.of(), Map.of()).rest();
    assertThat(rest.headerTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(rest.bodyTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(rest.queue()).isEqualTo(256);
    assertThat(rest.effectiveThreads()).isGreaterThanOrEqualTo(8);
    RestSettings set = NodeOptions.parse(List.of("--rest-threads", "3", "--rest-body-timeout",
        "500ms"), Map.of("DM_REST_QUEUE", "0")).rest();
    assertThat(set.effectiveThreads()).isEqualTo(3);
    assertThat(set.bodyTimeout()).isEqualTo(Duration.ofMillis(500));
    assertThat(set.queue()).isZero();
    assertThatThrownBy(() -> NodeOptions.parse(List.of("--rest-header-timeout", "0s"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("--rest-header-timeout must be at least 1ms");
    assertThatThrownBy(() -> NodeOptions.parse(List.of("--rest-queue", "-1"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("--rest-queue must be 0..");
    assertThatThrownBy(() -> NodeOptions.parse(List.of("--rest-threads", "many"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'--rest-threads': 'many' is not an int");
  }

  @Test
  void admissionLimitsDefaultFromTheCoresAndFollowEachOther() {
    AdmissionSettings derived = AdmissionSettings.forCores(4);
    assertThat(derived.maxInFlight()).isEqualTo(256);
    assertThat(derived.maxWaitingPerModel()).isEqualTo(64);
    assertThat(derived.grpcThreads()).isEqualTo(16);

    NodeConfig c = NodeOptions.parse(List.of("--max-in-flight", "40", "--retry-budget", "20%"),
        Map.of("DM_MIN_RETRIES_PER_SECOND", "0"));
    assertThat(c.admission().maxInFlight()).isEqualTo(40);
    assertThat(c.admission().maxWaitingPerModel()).as("a quarter of the in-flight limit")
        .isEqualTo(10);
    assertThat(c.admission().retryBudgetPercent()).isEqualTo(20);
    assertThat(c.admission().minRetriesPerSecond()).isZero();
    assertThat(NodeOptions.parse(List.of(), Map.of()).admission()).isEqualTo(
        AdmissionSettings.forCores(Runtime.getRuntime().availableProcessors()));
  }

  @Test
  void badAdmissionLimitsNameTheirOption() {
    assertThatThrownBy(() -> NodeOptions.parse(List.of("--max-in-flight", "0"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("--max-in-flight must be");
    assertThatThrownBy(() -> NodeOptions.parse(List.of("--max-in-flight", "10",
            "--max-waiting-per-model", "11"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("--max-waiting-per-model must be 1..--max-in-flight (10)");
    assertThatThrownBy(() -> NodeOptions.parse(List.of("--retry-budget", "150"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("--retry-budget");
    assertThatThrownBy(() -> NodeOptions.parse(List.of("--grpc-threads", "many"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("--grpc-threads: 'many' is not a whole number");
  }

  @Test
  void batchingDefaultsAreOffAndTakeMicroseconds() {
    assertThat(NodeOptions.parse(List.of(), Map.of()).batching().enabled()).isFalse();
    BatchingSettings b = NodeOptions.parse(List.of("--batch-max-size", "16",
        "--batch-max-delay", "250us"), Map.of()).batching();
    assertThat(b.maxBatchSize()).isEqualTo(16);
    assertThat(b.maxQueueDelay()).isEqualTo(Duration.ofNanos(250_000));
    assertThatThrownBy(() -> NodeOptions.parse(List.of("--batch-max-size", "1"), Map.of()))
        .hasMessageContaining("--batch-max-size must be 0 (off) or 2..4096");
  }

  @Test
  void everyOptionHasItsDmVariable() {
    assertThat(NodeOptions.names()).contains("grpc-port", "etcd-secret-dir", "trace-sampling")
        .doesNotContain("help", "version");
    NodeConfig c = NodeOptions.parse(List.of(), Map.of("DM_ETCD_PREFIX", "/x/",
        "DM_METRICS_PER_MODEL", "true", "DM_MODEL_ROOTS", "/a,/b", "DM_GRPC_PORT", ""));
    assertThat(c.mesh().etcdPrefix()).isEqualTo("/x/");
    assertThat(c.observability().perModelMetrics()).isTrue();
    assertThat(c.storage().modelRoots()).containsExactly(Path.of("/a"), Path.of("/b"));
    assertThat(c.grpcPort()).as("an empty variable counts as unset").isEqualTo(8033);
  }

  @Test
  void byteSizesUseBinarySuffixes() {
    assertThat(ByteSize.parse("x", "1048576")).isEqualTo(1L << 20);
    assertThat(ByteSize.parse("x", "64k")).isEqualTo(64L << 10);
    assertThat(ByteSize.parse("x", "2Gi")).isEqualTo(2L << 30);
    assertThat(ByteSize.parse("x", "1.5GB")).isEqualTo(3L << 29);
    assertThat(ByteSizes.format(3L << 29)).isEqualTo("1.5 GiB");
  }
}
