package io.densemesh.testing;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus server (Debian's {@code prometheus}, or {@code PROMETHEUS_BIN}) on a free
 * loopback port with a temp data dir, scraping the given targets every second with static
 * labels (standing in for Kubernetes' {@code namespace} and {@code pod}).
 */
public final class PrometheusProcess implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final int port = freePort();
  private final Path log;
  private final Process process;
  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofMillis(500)).build();

  /** @param targets {@code host:port} of each metrics endpoint, with the labels to attach */
  public PrometheusProcess(Path dir, Map<String, Map<String, String>> targets) {
    StringBuilder config = new StringBuilder("global:\n  scrape_interval: 1s\n"
        + "  evaluation_interval: 1s\nscrape_configs:\n  - job_name: densemesh\n"
        + "    static_configs:\n");
    targets.forEach((target, labels) -> {
      config.append("      - targets: ['").append(target).append("']\n        labels:\n");
      labels.forEach((k, v) -> config.append("          ").append(k).append(": '").append(v)
          .append("'\n"));
    });
    this.log = dir.resolve("prometheus.log");
    String bin = System.getenv().getOrDefault("PROMETHEUS_BIN", "prometheus");
    try {
      Path file = Files.writeString(dir.resolve("prometheus.yml"), config);
      process = new ProcessBuilder(List.of(bin, "--config.file=" + file,
          "--storage.tsdb.path=" + Files.createDirectories(dir.resolve("tsdb")),
          "--web.listen-address=127.0.0.1:" + port))
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start prometheus ('" + bin + "'); install the"
          + " Debian package prometheus or set PROMETHEUS_BIN: " + e.getMessage(), e);
    }
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
      if (!process.isAlive()) {
        throw new IllegalStateException("prometheus exited; see " + log);
      }
      try {
        return http.send(HttpRequest.newBuilder(URI.create(base() + "/-/ready")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
      } catch (IOException e) {
        return false;
      }
    });
  }

  public String base() {
    return "http://127.0.0.1:" + port;
  }

  /** An instant query's {@code data.result} array; fails on an error answer. */
  public JsonNode query(String promql) {
    JsonNode answer = get("/api/v1/query?query=" + URLEncoder.encode(promql,
        StandardCharsets.UTF_8));
    if (!"success".equals(answer.path("status").asText())) {
      throw new IllegalStateException("query failed: " + promql + ": " + answer);
    }
    return answer.path("data").path("result");
  }

  /** The values of a label over series matching {@code match}. */
  public JsonNode labelValues(String label, String match) {
    return get("/api/v1/label/" + label + "/values?match[]=" + URLEncoder.encode(match,
        StandardCharsets.UTF_8)).path("data");
  }

  private JsonNode get(String path) {
    try {
      return JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(base() + path)).build(),
          HttpResponse.BodyHandlers.ofString()).body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
