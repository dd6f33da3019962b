package io.densemesh.operator.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The probe endpoint on a loopback port, answered as the kubelet would see it. */
class HealthServerIT {

  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> get(HealthServer server, String path, String method)
      throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void livenessAlwaysReadinessOnceWatching() throws Exception {
    AtomicBoolean watching = new AtomicBoolean(false);
    try (HealthServer server = HealthServer.start(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), watching::get)) {
      assertThat(get(server, "/livez", "GET").statusCode()).isEqualTo(200);
      HttpResponse<String> notReady = get(server, "/readyz", "GET");
      assertThat(notReady.statusCode()).isEqualTo(503);
      assertThat(notReady.body()).isEqualTo("not watching yet\n");
      watching.set(true);
      assertThat(get(server, "/readyz", "GET").statusCode()).isEqualTo(200);
      assertThat(get(server, "/readyz", "HEAD").statusCode()).isEqualTo(200);
      watching.set(false);
      assertThat(get(server, "/readyz", "GET").statusCode()).as("watch lost").isEqualTo(503);
      assertThat(get(server, "/metrics", "GET").statusCode()).isEqualTo(404);
      assertThat(get(server, "/livez", "POST").statusCode()).isEqualTo(405);
    }
  }

  @Test
  void aFailingReadinessCheckIsNotReadyNotAnError() throws Exception {
    try (HealthServer server = HealthServer.start(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), () -> {
          throw new IllegalStateException("informer gone");
        })) {
      assertThat(get(server, "/readyz", "GET").statusCode()).isEqualTo(503);
      assertThat(get(server, "/livez", "GET").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aTakenPortIsAClearError() {
    try (HealthServer first = HealthServer.start(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), () -> true)) {
      assertThatThrownBy(() -> HealthServer.start(
          new InetSocketAddress(InetAddress.getLoopbackAddress(), first.port()), () -> true))
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("cannot bind the health endpoint");
    }
  }
}
