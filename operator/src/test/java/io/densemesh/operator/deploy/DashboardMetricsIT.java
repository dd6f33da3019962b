package io.densemesh.operator.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.densemesh.testing.TestNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every metric the Grafana dashboard queries is exported by a real node. */
class DashboardMetricsIT {

  @TempDir Path dir;

  @Test
  void dashboardMetricsExistOnANode() throws Exception {
    Set<String> used = DeployManifestsTest.DashboardMetrics.names(Files.readString(
        DeployManifestsTest.DEPLOY.resolve("grafana/densemesh-dashboard.json")));
    try (TestNode node = new TestNode(dir.resolve("registry"))) {
      assertThat(node.get("/v2/health/ready").statusCode()).isEqualTo(200);
      String scrape = node.scrapeMetrics();
      for (String metric : used) {
        assertThat(scrape).as(metric + " exported").containsPattern("(?m)^" + metric
            + "(_bucket|_count|_sum)?[{ ]");
      }
    }
  }
}
