package io.densemesh.operator.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.densemesh.testing.Inference;
import io.densemesh.testing.PrometheusProcess;
import io.densemesh.testing.TestNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus scrapes a real node on loopback, and every query of the Grafana dashboard
 * (its template variables filled in as Grafana would) returns series.
 */
class DashboardMetricsIT {

  static final String NAMESPACE = "dm-test";

  @TempDir Path dir;

  @Test
  void everyDashboardQueryReturnsSeriesFromAScrapedNode() throws Exception {
    JsonNode dashboard = new ObjectMapper().readTree(Files.readString(
        DeployManifestsTest.DEPLOY.resolve("grafana/densemesh-dashboard.json")));
    List<String> queries = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        queries.add(target.path("expr").asText());
      }
    }
    assertThat(queries).hasSizeGreaterThanOrEqualTo(10);
    try (TestNode node = new TestNode(dir.resolve("registry"))) {
      Path model = Inference.writeModel(dir.resolve("models"), 5);
      node.register("m5", model);
      for (int i = 0; i < 5; i++) {
        Inference.logits(node.inference.modelInfer(Inference.request("m5", Inference.row(5))));
      }
      assertThat(node.get("/v2/health/ready").statusCode()).isEqualTo(200);
      System.gc(); // the GC pause timer exists once a collection has been observed
      Path promDir = Files.createDirectories(dir.resolve("prometheus"));
      try (PrometheusProcess prometheus = new PrometheusProcess(promDir,
          Map.of("127.0.0.1:" + node.node.metricsPort(),
              Map.of("namespace", NAMESPACE, "pod", "densemesh-0")))) {
        // Rates need two samples inside the window: wait for a few scrapes.
        await().atMost(Duration.ofSeconds(60)).until(() -> prometheus.query(
            "count_over_time(up{job=\"densemesh\"}[1m])").path(0).path("value").path(1)
            .asInt() >= 4);
        for (String query : queries) {
          String filled = query.replace("$namespace", NAMESPACE)
              .replace("$__rate_interval", "15s");
          assertThat(prometheus.query(filled)).as(query).isNotEmpty();
        }
        assertThat(prometheus.labelValues("namespace", "densemesh_capacity_bytes").toString())
            .as("the namespace variable's query").contains(NAMESPACE);
        assertThat(prometheus.query("densemesh_inference_seconds_count{tenant=\"default\","
            + "status=\"OK\"}").path(0).path("value").path(1).asDouble()).isEqualTo(5.0);
      }
    }
  }
}
