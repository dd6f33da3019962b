package io.densemesh.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.densemesh.api.mmesh.EnsureLoadedRequest;
import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.api.registry.ModelRecord;
import io.densemesh.testing.Bearer;
import io.densemesh.testing.EtcdProcess;
import io.densemesh.testing.Inference;
import io.densemesh.testing.TestNode;
import io.densemesh.testing.Tokens;
import java.io.File;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver},
 * driven through Selenium) against a 3-node mesh on a real etcd holding many registered models
 * (100,000 unless {@code -Dconsole.browser.models} says otherwise): the token is entered once, the
 * models page renders its first page, a prefix search answers, an unload from the page is
 * reflected in every node's registry view, and a client's inference request shows up in the
 * live activity feed as a load. The times the issue names are measured in the browser
 * ({@code performance.now()}) and written to {@code target/console-timings.txt}; they are never
 * asserted (wall-clock time on a shared machine says nothing about correctness). Screenshots of
 * each page go to {@code target/console-screenshots/}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserIT {

  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final int MODELS = Integer.getInteger("console.browser.models", 100_000);
  static final String ADMIN = "key-admin";
  /** Models the test loads (the bulk ones are registered only). */
  static final String HOT = "console-hot";
  static final String FED = "console-fed";
  static final Path SHOTS = Path.of("target", "console-screenshots");

  Path dir;
  EtcdProcess etcd;
  final List<TestNode> nodes = new ArrayList<>();
  TestNode a;
  ChromeDriver browser;
  final Map<String, String> timings = new LinkedHashMap<>();

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    this.dir = dir;
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "no headless browser: " + CHROMIUM
        + " is absent (install Debian's chromium and chromium-driver; .ci/run does)");
    Path keys = dir.resolve("api-keys");
    Files.write(keys, List.of(Tokens.apiKeyLine(ADMIN, "-", "admin")));
    // With authentication on, peers (and the unload's dropCopy calls) present the mesh secret.
    Path secret = Files.writeString(dir.resolve("mesh-secret"), "console-browser-mesh-secret");
    etcd = new EtcdProcess(dir.resolve("etcd"));
    // Node a has the most memory, and placement ranks nodes by free memory (global-order, set
    // below), so a model's first copy loads on a: the node whose console (and feed) is open.
    for (String id : List.of("a", "b", "c")) {
      nodes.add(new TestNode(dir.resolve(id), "--instance-id", id, "--etcd", etcd.endpoint(),
          "--etcd-prefix", "/densemesh/console/", "--lease-ttl", "3s", "--etcd-timeout", "15s",
          "--capacity", id.equals("a") ? "2g" : "1g", "--api-keys-file", keys.toString(),
          "--mesh-secret-file", secret.toString()));
    }
    a = nodes.get(0);
    // No proactive loading either: the only loads are the ones this test makes.
    a.node.registry().putConfig(Map.of("placement", "global-order", "proactiveLoading", "false"));
    await().atMost(Duration.ofSeconds(20)).until(() -> nodes.stream().allMatch(n ->
        n.node.registry().view().instances().size() == 3
            && "false".equals(n.node.registry().view().config().get("proactiveLoading"))));

    long started = System.nanoTime();
    registerBulk(Inference.writeModel(dir.resolve("models"), 7).toString());
    timings.put("register " + MODELS + " models (registry writes, 64 in flight)",
        millis(System.nanoTime() - started) + " ms");
    for (String id : List.of(HOT, FED)) {
      Bearer.as(a.mesh, ADMIN).registerModel(RegisterModelRequest.newBuilder().setModelId(id)
          .setModelInfo(ModelInfo.newBuilder().setType("onnx")
              .setPath(Inference.writeModel(dir.resolve("models"), id.length()).toString()))
          .build());
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> nodes.stream()
        .allMatch(n -> n.node.registry().modelCount() == MODELS + 2));

    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
    ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
        .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
            "--disable-gpu", "--window-size=1200,720",
            "--user-data-dir=" + dir.resolve("chromium-profile"));
    browser = new ChromeDriver(new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build(), options);
    browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    Files.createDirectories(SHOTS);
  }

  /** Registry records written straight through node a's registry, 64 at a time in flight. */
  void registerBulk(String path) throws Exception {
    long now = System.currentTimeMillis();
    int threads = 64;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int first = t;
      done.add(pool.submit(() -> {
        for (int i = first; i < MODELS; i += threads) {
          ModelRecord record = ModelRecord.newBuilder().setModelId(bulkId(i)).setType("onnx")
              .setPath(path).setTenant("tenant-" + (i % 10)).setRegisteredAt(now)
              .setLastUsed(now - 3_600_000L).build();
          assertThat(a.node.registry().putModel(record, 0)).as(record.getModelId())
              .isPresent();
        }
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get(5, TimeUnit.MINUTES);
    }
    pool.shutdown();
  }

  static String bulkId(int i) {
    return String.format("model-%06d", i);
  }

  @AfterAll
  void stop() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    for (TestNode n : nodes) {
      n.close();
    }
    if (etcd != null) {
      etcd.close();
    }
    if (!timings.isEmpty()) {
      StringBuilder report = new StringBuilder("console browser timings (" + MODELS
          + " registered models, 3 nodes, real etcd; measured, not asserted)\n");
      timings.forEach((k, v) -> report.append(k).append(": ").append(v).append('\n'));
      System.out.print(report);
      Files.writeString(Path.of("target", "console-timings.txt"), report);
    }
  }

  /** Opens node a's console, enters the admin token, and waits for the mesh page. */
  void openConsole() {
    browser.get("http://127.0.0.1:" + a.node.restPort() + "/console");
    assertThat(browser.getCurrentUrl()).endsWith("/console/"); // the redirect
    browser.findElement(By.id("token")).sendKeys(ADMIN);
    browser.findElement(By.cssSelector("#token-form button")).click();
    waitFor(() -> browser.findElements(By.cssSelector("#nodes tr")).size() == 3);
    assertThat(browser.findElement(By.id("error")).isDisplayed()).isFalse();
  }

  @Test
  @Order(1)
  void theMeshPageListsEveryNode() throws Exception {
    openConsole();
    String summary = browser.findElement(By.id("mesh-summary")).getText();
    assertThat(summary).contains("3 node(s)", (MODELS + 2) + " models registered");
    assertThat(browser.findElements(By.cssSelector("#nodes tr td:first-child")))
        .extracting(WebElement::getText).containsExactly("a", "b", "c");
    shot("mesh");
  }

  @Test
  @Order(2)
  void theModelsPageShowsItsFirstPageAndSearchesByPrefix() throws Exception {
    openConsole();
    // Times in the browser: from the click to the rows in the DOM (fetch, server, rendering).
    Object firstPage = script("""
        const done = arguments[arguments.length - 1];
        const rows = document.getElementById('model-rows');
        const t0 = performance.now();
        const seen = () => rows.children.length > 0;
        new MutationObserver((m, o) => { if (seen()) { o.disconnect(); done(performance.now() - t0); } })
          .observe(rows, { childList: true });
        document.querySelector('[data-tab=models]').click();
        """);
    timings.put("models page, first page rendered", ms(firstPage));
    List<String> ids = cells(1);
    assertThat(ids).hasSize(50).startsWith("console-fed", "console-hot", bulkId(0))
        .isSorted();
    assertThat(browser.findElement(By.id("next-page")).isDisplayed()).isTrue();
    shot("models");

    String prefix = bulkId(4_217).substring(0, 11); // model-00421: ten models
    Object search = script("""
        const [prefix, done] = arguments;
        const rows = document.getElementById('model-rows');
        document.getElementById('prefix').value = prefix;
        const t0 = performance.now();
        const seen = () => rows.children.length > 0 && [...rows.children]
          .every((tr) => tr.firstChild.textContent.startsWith(prefix));
        new MutationObserver((m, o) => { if (seen()) { o.disconnect(); done(performance.now() - t0); } })
          .observe(rows, { childList: true });
        document.querySelector('#model-search button').click();
        """, prefix);
    timings.put("prefix search answered and rendered", ms(search));
    List<String> found = new ArrayList<>();
    for (int i = 4_210; i < 4_220; i++) {
      found.add(bulkId(i));
    }
    assertThat(cells(1)).containsExactlyElementsOf(found);
    assertThat(browser.findElement(By.id("next-page")).isDisplayed()).isFalse();
    shot("models-search");
  }

  @Test
  @Order(3)
  void anUnloadFromTheConsoleLeavesNoCopyInAnyNodesView() throws Exception {
    // Three copies (min copies 3, the leader adds them), then back to the default from the page.
    Bearer.as(a.mesh, ADMIN).ensureLoaded(EnsureLoadedRequest.newBuilder().setModelId(HOT)
        .build());
    a.node.registry().putModel(a.node.registry().model(HOT).orElseThrow().value().toBuilder()
        .setMinCopies(3).build(), a.node.registry().model(HOT).orElseThrow().version());
    await().atMost(Duration.ofSeconds(60)).until(() -> nodes.stream().allMatch(n ->
        n.node.registry().view().loadedOn(HOT).size() == 3));

    openConsole();
    browser.findElement(By.cssSelector("[data-tab=models]")).click();
    browser.findElement(By.id("prefix")).sendKeys(HOT);
    browser.findElement(By.cssSelector("#model-search button")).click();
    waitFor(() -> cells(1).equals(List.of(HOT)));
    browser.findElement(By.cssSelector("#model-rows tr")).click();
    waitFor(() -> browser.findElement(By.id("model-detail")).isDisplayed()
        && browser.findElement(By.id("detail-title")).getText().equals(HOT));
    assertThat(detail("copies")).contains("a loaded", "b loaded", "c loaded");
    shot("model");

    setField("min-copies", "0");
    setField("max-copies", "0");
    browser.findElement(By.id("set-copies")).click();
    await().atMost(Duration.ofSeconds(10)).until(() ->
        a.node.registry().model(HOT).orElseThrow().value().getMinCopies() == 0);
    browser.findElement(By.id("unload")).click();
    waitFor(() -> browser.findElement(By.id("action-result")).getText().startsWith("unloaded on "));
    // The first holder (a) keeps its copy whatever copy scaling does once min copies is back at
    // the default, so the page must name it among the nodes asked.
    assertThat(browser.findElement(By.id("action-result")).getText()
        .substring("unloaded on ".length()).split(", ")).contains("a");

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      for (TestNode n : nodes) {
        assertThat(n.node.registry().view().copiesOf(HOT)).as(n.node.config().instanceId())
            .isEmpty();
        assertThat(n.node.cache().copyState(HOT)).isEmpty();
      }
    });
    // Still registered, and the page says so once it is shown again.
    assertThat(a.node.registry().model(HOT)).isPresent();
    browser.findElement(By.cssSelector("#model-rows tr")).click();
    waitFor(() -> detail("copies").equals("none"));
    shot("model-unloaded");
  }

  @Test
  @Order(4)
  void aClientRequestsLoadAppearsInTheActivityFeed() throws Exception {
    openConsole();
    browser.findElement(By.cssSelector("[data-tab=activity]")).click();
    // Marks the moment the load's entry is in the page (the feed is a live SSE stream).
    script("""
        const [model, done] = arguments;
        window.feedSeen = 0;
        const feed = document.getElementById('feed');
        const seen = () => [...feed.children].some((li) =>
          li.dataset.text.startsWith('load ' + model.toLowerCase() + ' '));
        new MutationObserver((m, o) => { if (seen()) { o.disconnect(); window.feedSeen = Date.now(); } })
          .observe(feed, { childList: true });
        done(true);
        """, FED);
    assertThat(nodes).allMatch(n -> n.node.registry().view().copiesOf(FED).isEmpty());
    assertThat(browser.findElements(By.cssSelector("#feed li"))).extracting(WebElement::getText)
        .noneMatch(t -> t.contains(FED));
    long sent = System.currentTimeMillis();
    var answer = Bearer.as(a.inference, ADMIN).withDeadlineAfter(30, TimeUnit.SECONDS)
        .modelInfer(Inference.request(FED, Inference.row(1)));
    long answered = System.currentTimeMillis();
    assertThat(Inference.answeredBy(answer, FED.length(), Inference.row(1))).isTrue();
    waitFor(() -> ((Number) browser.executeScript("return window.feedSeen;")).longValue() > 0);
    long seen = ((Number) browser.executeScript("return window.feedSeen;")).longValue();
    timings.put("activity feed: client request sent -> load entry in the page",
        (seen - sent) + " ms (the request's answer, load included, took " + (answered - sent)
            + " ms)");
    assertThat(browser.findElements(By.cssSelector("#feed li.kind-load")))
        .extracting(WebElement::getText).anyMatch(t -> t.contains(" a ") && t.contains(FED));
    shot("activity");

    // The whole mesh's feed, asked of another node (c): a's load is in it, from a, and the
    // page shows it with the box ticked on a's console too.
    TestNode c = nodes.get(2);
    HttpResponse<String> wide = c.send(HttpRequest.newBuilder(
            c.rest("/console/api/activity?scope=mesh"))
        .header("Authorization", "Bearer " + ADMIN).GET().build());
    assertThat(wide.statusCode()).as(wide.body()).isEqualTo(200);
    JsonNode meshFeed = new ObjectMapper().readTree(wide.body());
    assertThat(meshFeed.path("unreached").size()).isZero();
    assertThat(meshFeed.path("events").findParents("kind")).anyMatch(e ->
        e.path("node").asText().equals("a") && e.path("kind").asText().equals("load")
            && e.path("subject").asText().equals(FED));
    browser.findElement(By.id("mesh-wide")).click();
    waitFor(() -> browser.findElements(By.cssSelector("#mesh-feed li.kind-load")).stream()
        .map(WebElement::getText).anyMatch(t -> t.contains(" a ") && t.contains(FED)));
    browser.findElement(By.id("mesh-wide")).click();

    // Three tenants' models in use too, for the tenants page (the bulk models are seed 7's).
    for (int i = 1; i <= 3; i++) {
      assertThat(Inference.answeredBy(Bearer.as(a.inference, ADMIN)
          .withDeadlineAfter(30, TimeUnit.SECONDS)
          .modelInfer(Inference.request(bulkId(i), Inference.row(i))), 7, Inference.row(i)))
          .isTrue();
    }
    // The model's page draws its latency histogram and requests per minute (served on a).
    browser.findElement(By.cssSelector("[data-tab=models]")).click();
    setField("prefix", bulkId(1));
    browser.findElement(By.cssSelector("#model-search button")).click();
    waitFor(() -> cells(1).equals(List.of(bulkId(1))));
    browser.findElement(By.cssSelector("#model-rows tr")).click();
    waitFor(() -> !browser.findElements(By.cssSelector("#latency-chart svg rect")).isEmpty()
        && !browser.findElements(By.cssSelector("#minutes-chart svg rect")).isEmpty());
    assertThat(browser.findElement(By.id("latency-caption")).getText())
        .contains("1 requests, 0 errors");
    shot("model-latency");

    browser.findElement(By.cssSelector("[data-tab=tenants]")).click();
    waitFor(() -> browser.findElements(By.cssSelector("#tenant-rows tr td:first-child")).stream()
        .map(WebElement::getText).toList()
        .equals(List.of("(none)", "tenant-1", "tenant-2", "tenant-3")));
    shot("tenants");

    // The mesh page again once a's copy is in its published record (the page refreshes every 5 s).
    browser.findElement(By.cssSelector("[data-tab=mesh]")).click();
    waitFor(() -> !browser.findElement(By.cssSelector("#nodes tr td:nth-child(4)")).getText()
        .equals("0"));
    // Memory by tenant: a's bar has a part per tenant in use; the hour's charts draw once the
    // node has closed a 10-second interval with these requests in it.
    waitFor(() -> browser.findElements(By.cssSelector("#memory-chart svg rect")).size() >= 3 + 4);
    new WebDriverWait(browser, Duration.ofSeconds(60), Duration.ofMillis(200))
        .until(d -> !d.findElements(By.cssSelector("#request-chart svg rect")).isEmpty()
            && !d.findElements(By.cssSelector("#hit-chart svg polyline")).isEmpty());
    shot("mesh-in-use");
  }

  // ---- helpers ------------------------------------------------------------------------------

  Object script(String body, Object... args) {
    return ((JavascriptExecutor) browser).executeAsyncScript(body, args);
  }

  static String ms(Object millis) {
    return String.format("%.0f ms", ((Number) millis).doubleValue());
  }

  static long millis(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }

  /** The text of column {@code column} (1-based) of the model table. */
  List<String> cells(int column) {
    return browser.findElements(By.cssSelector("#model-rows tr td:nth-child(" + column + ")"))
        .stream().map(WebElement::getText).toList();
  }

  /** A field of the model page ({@code dt} text to its {@code dd}). */
  String detail(String name) {
    List<WebElement> terms = browser.findElements(By.cssSelector("#detail-fields dt"));
    List<WebElement> values = browser.findElements(By.cssSelector("#detail-fields dd"));
    for (int i = 0; i < terms.size() && i < values.size(); i++) {
      if (terms.get(i).getText().equals(name)) {
        return values.get(i).getText();
      }
    }
    return "";
  }

  void setField(String id, String value) {
    WebElement field = browser.findElement(By.id(id));
    field.clear();
    field.sendKeys(value);
  }

  void waitFor(java.util.function.BooleanSupplier condition) {
    new WebDriverWait(browser, Duration.ofSeconds(30), Duration.ofMillis(20))
        .ignoring(StaleElementReferenceException.class).until(d -> condition.getAsBoolean());
  }

  void shot(String page) throws IOException {
    File png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
    Files.copy(png.toPath(), SHOTS.resolve(page + ".png"), StandardCopyOption.REPLACE_EXISTING);
  }
}
