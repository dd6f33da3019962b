package io.densemesh.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.densemesh.testing.Bearer;
import io.densemesh.testing.Inference;
import io.densemesh.testing.TestNode;
import io.densemesh.testing.Tokens;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console over real HTTP on a node with authentication: page, JSON API, actions, feed. */
class ConsoleIT {

  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  TestNode node;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws Exception {
    Path keys = dir.resolve("api-keys");
    Files.write(keys, List.of(Tokens.apiKeyLine("key-a", "a", "tenant"),
        Tokens.apiKeyLine("key-admin", "-", "admin")));
    node = new TestNode(dir.resolve("data"), "--api-keys-file", keys.toString());
  }

  @AfterEach
  void stop() {
    node.close();
  }

  HttpResponse<String> get(String path, String token) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(node.rest(path)).GET();
    if (token != null) {
      r.header("Authorization", "Bearer " + token);
    }
    return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(String path, String token, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(node.rest(path))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  JsonNode json(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  void register(int count) {
    for (int i = 0; i < count; i++) {
      Bearer.as(node.mesh, "key-admin").registerModel(
          io.densemesh.api.mmesh.RegisterModelRequest.newBuilder()
              .setModelId(String.format("m%03d", i)).setModelInfo(
                  io.densemesh.api.mmesh.ModelInfo.newBuilder().setType("onnx")
                      .setPath(Inference.writeModel(dir.resolve("models"), i % 3).toString()))
              .build());
    }
  }

  @Test
  void thePageAndItsAssetsAreServedWithAStrictPolicy() throws Exception {
    HttpResponse<String> page = get("/console/", null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(
        v -> assertThat(v).startsWith("text/html"));
    assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(
        v -> assertThat(v).contains("default-src 'self'"));
    // Relative addresses only, so the page works under whatever prefix a proxy adds.
    assertThat(page.body()).contains("src=\"app.js\"", "href=\"app.css\"")
        .doesNotContain("/console/");
    String script = get("/console/app.js", null).body();
    assertThat(script).contains("fetch('api/' + path", "fetch('api/activity/stream'")
        .doesNotContain("/console/");
    assertThat(get("/console/app.css", null).statusCode()).isEqualTo(200);
  }

  @Test
  void theBareConsolePathRedirectsRelativelySoAPrefixIsKept() throws Exception {
    HttpResponse<String> bare = get("/console", null);
    assertThat(bare.statusCode()).isEqualTo(301);
    // Relative: behind a proxy at /ops/mesh/console the browser goes to /ops/mesh/console/.
    assertThat(bare.headers().firstValue("Location")).hasValue("console/");
    assertThat(node.rest("/ops/mesh/console").resolve("console/").getPath())
        .isEqualTo("/ops/mesh/console/");
    HttpResponse<String> followed = HttpClient.newBuilder()
        .followRedirects(HttpClient.Redirect.NORMAL).build()
        .send(HttpRequest.newBuilder(node.rest("/console")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(followed.statusCode()).isEqualTo(200);
    assertThat(followed.uri().getPath()).isEqualTo("/console/");
    assertThat(followed.body()).contains("DenseMesh console");
  }

  @Test
  void theApiNeedsAnAdmin() throws Exception {
    assertThat(get("/console/api/mesh", null).statusCode()).isEqualTo(401);
    assertThat(get("/console/api/mesh", "key-a").statusCode()).isEqualTo(403);
    assertThat(post("/console/api/placement", "key-a", "{}").statusCode()).isEqualTo(403);
    assertThat(json(get("/console/api/mesh", "key-admin")).path("nodes").size()).isEqualTo(1);
  }

  @Test
  void modelsArePagedAndSearchedOnTheServer() throws Exception {
    register(30);
    JsonNode first = json(get("/console/api/models?limit=10", "key-admin"));
    assertThat(first.path("models").size()).isEqualTo(10);
    assertThat(first.path("next").asText()).isEqualTo("m009");
    JsonNode second = json(get("/console/api/models?limit=10&after=m009", "key-admin"));
    assertThat(second.path("models").get(0).path("id").asText()).isEqualTo("m010");
    JsonNode prefixed = json(get("/console/api/models?prefix=m02", "key-admin"));
    assertThat(prefixed.path("models").findValuesAsText("id"))
        .containsExactly("m020", "m021", "m022", "m023", "m024", "m025", "m026", "m027",
            "m028", "m029");
    assertThat(prefixed.path("next").asText()).isEmpty();
    assertThat(get("/console/api/models?state=bogus", "key-admin").statusCode()).isEqualTo(400);
  }

  @Test
  void actionsAreTheManagementCallsAndAppearInTheFeed() throws Exception {
    register(2);
    List<String> events = new CopyOnWriteArrayList<>();
    Thread reader = new Thread(() -> {
      try {
        HttpResponse<InputStream> stream = http.send(HttpRequest.newBuilder(
                node.rest("/console/api/activity/stream"))
            .header("Authorization", "Bearer key-admin").GET().build(),
            HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(),
            StandardCharsets.UTF_8))) {
          String line;
          while ((line = lines.readLine()) != null) {
            if (line.startsWith("data: ")) {
              events.add(line.substring(6));
            }
          }
        }
      } catch (Exception e) {
        events.add("stream failed: " + e);
      }
    });
    reader.setDaemon(true);
    reader.start();

    assertThat(json(post("/console/api/models/m001/load", "key-admin", "")).path("id").asText())
        .isEqualTo("m001");
    await().atMost(Duration.ofSeconds(20)).until(() -> events.stream()
        .anyMatch(e -> e.contains("\"kind\":\"load\"") && e.contains("m001")));
    assertThat(events).anyMatch(e -> e.contains("\"kind\":\"action\"") && e.contains("m001"));

    JsonNode copies = json(post("/console/api/models/m000/copies", "key-admin",
        "{\"minCopies\":1,\"maxCopies\":2}"));
    assertThat(copies.path("maxCopies").asInt()).isEqualTo(2);
    assertThat(post("/console/api/models/m000/copies", "key-admin",
        "{\"minCopies\":3,\"maxCopies\":2}").statusCode()).isEqualTo(400);
    assertThat(post("/console/api/placement", "key-admin", "{\"nonsense\":\"1\"}")
        .statusCode()).isEqualTo(400);
    assertThat(json(post("/console/api/placement", "key-admin", "{\"eviction\":\"cost-aware\"}"))
        .path("eviction").asText()).isEqualTo("cost-aware");
    assertThat(json(get("/console/api/mesh", "key-admin")).path("placement").path("eviction")
        .asText()).isEqualTo("cost-aware");

    JsonNode detail = json(get("/console/api/models/m001", "key-admin"));
    assertThat(detail.path("status").asText()).isEqualTo("LOADED");
    assertThat(detail.path("activity").size()).isPositive();
    assertThat(json(get("/console/api/tenants", "key-admin")).path("tenants").size())
        .isPositive();
    assertThat(get("/console/api/models/nope", "key-admin").statusCode()).isEqualTo(404);
  }

  @Test
  void unloadDropsTheCopiesAndIsAudited() throws Exception {
    register(2);
    assertThat(post("/console/api/models/m001/unload", "key-a", "").statusCode()).isEqualTo(403);
    assertThat(json(post("/console/api/models/m001/load", "key-admin", "")).path("id").asText())
        .isEqualTo("m001");
    await().atMost(Duration.ofSeconds(20)).until(() -> json(get("/console/api/models/m001",
        "key-admin")).path("status").asText().equals("LOADED"));

    JsonNode unloaded = json(post("/console/api/models/m001/unload", "key-admin", ""));
    assertThat(unloaded.path("droppedOn").size()).isEqualTo(1);
    assertThat(unloaded.path("droppedOn").get(0).asText()).isEqualTo("test-node");
    await().atMost(Duration.ofSeconds(20)).until(() -> json(get("/console/api/models/m001",
        "key-admin")).path("status").asText().equals("NOT_LOADED"));
    assertThat(node.node.cache().copyState("m001")).isEmpty();
    JsonNode activity = json(get("/console/api/activity", "key-admin"));
    assertThat(activity.findValuesAsText("detail"))
        .anyMatch(d -> d.startsWith("api-key-") && d.endsWith(": unload on test-node"));
    assertThat(activity.findValuesAsText("kind")).contains("unload");

    // Nothing to drop: still an answer, and the model stays registered.
    assertThat(json(post("/console/api/models/m001/unload", "key-admin", ""))
        .path("droppedOn").size()).isZero();
    assertThat(get("/console/api/models/m001", "key-admin").statusCode()).isEqualTo(200);
    assertThat(post("/console/api/models/nope/unload", "key-admin", "").statusCode())
        .isEqualTo(404);
  }

  @Test
  void aModelServedHereHasALatencyHistogramAndMinutes() throws Exception {
    register(1);
    JsonNode before = json(get("/console/api/models/m000", "key-admin"));
    assertThat(before.has("latency")).isFalse(); // never served here: nothing to draw
    for (int i = 0; i < 3; i++) {
      Bearer.as(node.inference, "key-admin").modelInfer(Inference.request("m000",
          Inference.row(0)));
    }
    JsonNode m = json(get("/console/api/models/m000", "key-admin"));
    JsonNode latency = m.path("latency");
    assertThat(latency.path("count").asLong()).isEqualTo(3);
    assertThat(latency.path("errors").asLong()).isZero();
    assertThat(latency.path("counts").size())
        .isEqualTo(latency.path("boundsMicros").size() + 1);
    assertThat(latency.path("p99Micros").asLong()).isNotZero();
    JsonNode minutes = m.path("minutes");
    long requests = 0;
    for (JsonNode minute : minutes) {
      requests += minute.path("requests").asLong();
    }
    assertThat(requests).isEqualTo(3);

    JsonNode history = json(get("/console/api/history", "key-admin"));
    assertThat(history.path("intervalSeconds").asInt()).isEqualTo(10);
    assertThat(history.path("points").isArray()).isTrue();
  }

  @Test
  void aTenantsLimitsAreSetValidatedAndShownWithItsUse() throws Exception {
    assertThat(post("/console/api/tenants/a/limits", "key-a", "{\"maxModels\":3}")
        .statusCode()).isEqualTo(403);
    JsonNode set = json(post("/console/api/tenants/a/limits", "key-admin",
        "{\"requestsPerSecond\":5,\"maxModels\":3,\"quotaFraction\":0.5}"));
    assertThat(set.path("settings").path("maxModels").asText()).isEqualTo("3");
    JsonNode tenants = json(get("/console/api/tenants", "key-admin"));
    JsonNode a = null;
    for (JsonNode t : tenants.path("tenants")) {
      if (t.path("tenant").asText().equals("a")) {
        a = t;
      }
    }
    assertThat(a).as(tenants.toString()).isNotNull();
    assertThat(a.path("limits").path("requestsPerSecond").asDouble()).isEqualTo(5.0);
    assertThat(a.path("limits").path("maxModels").asInt()).isEqualTo(3);
    assertThat(a.path("quotaBytes").asLong())
        .isEqualTo((long) (0.5 * tenants.path("capacityBytes").asLong()));
    // The limit is live: the live settings carry it, as setPlacementConfig would.
    assertThat(json(get("/console/api/mesh", "key-admin")).path("placement")
        .path("tenant.a.maxModels").asText()).isEqualTo("3");

    // null puts the default back; other fields stay.
    json(post("/console/api/tenants/a/limits", "key-admin", "{\"maxModels\":null}"));
    JsonNode placement = json(get("/console/api/mesh", "key-admin")).path("placement");
    assertThat(placement.has("tenant.a.maxModels")).isFalse();
    assertThat(placement.path("tenant.a.requestsPerSecond").asText()).isEqualTo("5");

    assertThat(post("/console/api/tenants/a/limits", "key-admin", "{\"quotaFraction\":2}")
        .statusCode()).isEqualTo(400);
    assertThat(post("/console/api/tenants/a/limits", "key-admin", "{\"colour\":1}")
        .statusCode()).isEqualTo(400);
    assertThat(post("/console/api/tenants/a/limits", "key-admin", "{}").statusCode())
        .isEqualTo(400);
    assertThat(post("/console/api/tenants/no%20spaces/limits", "key-admin",
        "{\"maxModels\":1}").statusCode()).isEqualTo(400);
    assertThat(post("/console/api/tenants/a/limits", "key-admin", "{\"maxModels\":[1]}")
        .statusCode()).isEqualTo(400);
  }

  @Test
  void pinKeepsACopyAndUnpinLetsItGo() throws Exception {
    register(1);
    JsonNode pinned = json(post("/console/api/models/m000/pin", "key-admin",
        "{\"pinned\":true}"));
    assertThat(pinned.path("minCopies").asInt()).isEqualTo(1);
    // The leader keeps a pinned model loaded without any request.
    await().atMost(Duration.ofSeconds(20)).until(() -> json(get("/console/api/models/m000",
        "key-admin")).path("status").asText().equals("LOADED"));
    assertThat(json(post("/console/api/models/m000/pin", "key-admin", "{\"pinned\":false}"))
        .path("minCopies").asInt()).isZero();
    assertThat(post("/console/api/models/m000/pin", "key-admin", "{\"pinned\":\"yes\"}")
        .statusCode()).isEqualTo(400);
    assertThat(post("/console/api/models/nope/pin", "key-admin", "{\"pinned\":true}")
        .statusCode()).isEqualTo(404);
    assertThat(json(get("/console/api/activity", "key-admin")).findValuesAsText("detail"))
        .anyMatch(d -> d.endsWith(": pin min 1")).anyMatch(d -> d.endsWith(": unpin min 0"));
  }

  @Test
  void drainMarksThisNodeDrainingOnce() throws Exception {
    assertThat(post("/console/api/drain", "key-a", "").statusCode()).isEqualTo(403);
    JsonNode first = json(post("/console/api/drain", "key-admin", ""));
    assertThat(first.path("started").asBoolean()).isTrue();
    await().atMost(Duration.ofSeconds(20)).until(() -> json(get("/console/api/mesh",
        "key-admin")).path("nodes").get(0).path("draining").asBoolean());
    assertThat(json(post("/console/api/drain", "key-admin", "")).path("started").asBoolean())
        .isFalse();
  }

  @Test
  void vmodelTransitionsAppearInTheFeed() throws Exception {
    register(2);
    var admin = Bearer.as(node.mesh, "key-admin");
    admin.setVModel(io.densemesh.api.mmesh.SetVModelRequest.newBuilder().setVModelId("v")
        .setTargetModelId("m000").setOwner("o").build());
    // A new target that is not loaded: the vmodel keeps m000 until m001 is loaded, then switches.
    admin.setVModel(io.densemesh.api.mmesh.SetVModelRequest.newBuilder().setVModelId("v")
        .setTargetModelId("m001").setOwner("o").setLoadNow(true).build());
    await().atMost(Duration.ofSeconds(30)).until(() -> json(get("/console/api/activity",
        "key-admin")).findValuesAsText("detail").contains("switched from m000 to m001"));
    JsonNode activity = json(get("/console/api/activity", "key-admin"));
    assertThat(activity.findValuesAsText("detail")).contains("serves m000");
    assertThat(activity.findValuesAsText("kind")).contains("vmodel");
  }
}
