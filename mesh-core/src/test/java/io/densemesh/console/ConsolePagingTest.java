package io.densemesh.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.densemesh.api.registry.LoadFailure;
import io.densemesh.api.registry.ModelRecord;
import io.densemesh.cache.CacheListeners;
import io.densemesh.cache.ModelCache;
import io.densemesh.cache.RuntimeRegistry;
import io.densemesh.mesh.LivePolicies;
import io.densemesh.placement.LruEvictionPolicy;
import io.densemesh.registry.SharedMemoryRegistry;
import io.densemesh.runtime.error.InvalidInputException;
import io.densemesh.runtime.storage.ModelStorage;
import io.densemesh.serving.ModelManagement;
import io.densemesh.testing.FakeClock;
import io.densemesh.testing.FakeRuntime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console's model table over a registry of 1,000,000 models (the test registry that passes
 * the Registry contract, in memory): every page is a bounded scan from a cursor, sparse filters
 * answer short pages with a cursor rather than scanning the world, and following the cursors
 * finds every match exactly once.
 */
class ConsolePagingTest {

  static final int MODELS = 1_000_000;
  /** One model in 1,000 belongs to tenant "rare"; one in 100,000 has a load failure. */
  static final int RARE_EVERY = 1_000;
  static final int FAILED_EVERY = 100_000;

  static ConsoleApi api;

  @BeforeAll
  static void fill() {
    FakeClock clock = new FakeClock(1_000_000);
    SharedMemoryRegistry registry = new SharedMemoryRegistry();
    ModelRecord.Builder record = ModelRecord.newBuilder().setType("onnx").setPath("m.onnx");
    for (int i = 0; i < MODELS; i++) {
      record.setModelId(id(i)).setTenant(i % RARE_EVERY == 7 ? "rare" : "common")
          .clearFailures();
      if (i % FAILED_EVERY == 3) {
        record.addFailures(LoadFailure.newBuilder().setInstanceId("n1").setReason("broken")
            .setTime(1));
      }
      assertThat(registry.putModel(record.build(), 0)).isPresent();
    }
    ModelCache cache = new ModelCache(new RuntimeRegistry(List.of(new FakeRuntime())),
        ModelStorage.localOnly(), new LruEvictionPolicy(), new CacheListeners(List.of()), clock,
        1 << 30, 1, Duration.ofMinutes(1));
    ModelManagement models = new ModelManagement(registry, cache, clock, "n1",
        Duration.ofMinutes(1), (spec, sync) -> { });
    api = new ConsoleApi("n1", registry, cache, models, new LivePolicies(cache, "lru", m -> ""),
        new ActivityFeed(clock, "n1"), new NodeHistory(clock), new ModelStats(clock));
  }

  static String id(int i) {
    return String.format("m%07d", i);
  }

  @Test
  void theFirstPageAndAPrefixAreServedFromACursor() {
    JsonNode first = api.models("", "", "", "", 50);
    assertThat(first.path("models").size()).isEqualTo(50);
    assertThat(first.path("models").get(0).path("id").asText()).isEqualTo(id(0));
    assertThat(first.path("next").asText()).isEqualTo(id(49));
    assertThat(first.path("scanned").asInt()).isLessThanOrEqualTo(51);

    JsonNode deep = api.models("", "", "", id(999_949), 200);
    assertThat(deep.path("models").size()).isEqualTo(50); // the last 50 of the million
    assertThat(deep.path("next").asText()).isEmpty();

    JsonNode prefixed = api.models("m009999", "", "", "", 200);
    assertThat(prefixed.path("models").findValuesAsText("id"))
        .containsExactly(id(99_990), id(99_991), id(99_992), id(99_993), id(99_994),
            id(99_995), id(99_996), id(99_997), id(99_998), id(99_999));
    assertThat(prefixed.path("next").asText()).isEmpty();
  }

  @Test
  void aSparseTenantIsFoundWholeByFollowingCursorsWithBoundedScans() {
    List<String> found = new ArrayList<>();
    String after = "";
    int pages = 0;
    do {
      JsonNode page = api.models("", "rare", "", after, 200);
      assertThat(page.path("scanned").asInt()).isLessThanOrEqualTo(ConsoleApi.MAX_SCAN);
      page.path("models").forEach(m -> {
        assertThat(m.path("tenant").asText()).isEqualTo("rare");
        found.add(m.path("id").asText());
      });
      after = page.path("next").asText();
      pages++;
    } while (!after.isEmpty());
    assertThat(found).hasSize(MODELS / RARE_EVERY).doesNotHaveDuplicates().isSorted();
    // 20,000 records scanned per page at most: the million takes about 50 pages, never one.
    assertThat(pages).isBetween(MODELS / ConsoleApi.MAX_SCAN, MODELS / ConsoleApi.MAX_SCAN + 2);
  }

  @Test
  void failedModelsAreFoundAcrossTheMillion() {
    List<String> found = new ArrayList<>();
    String after = "";
    do {
      JsonNode page = api.models("", "", "failed", after, 50);
      page.path("models").forEach(m -> found.add(m.path("id").asText()));
      after = page.path("next").asText();
    } while (!after.isEmpty());
    List<String> expected = new ArrayList<>();
    for (int i = 3; i < MODELS; i += FAILED_EVERY) {
      expected.add(id(i));
    }
    assertThat(found).containsExactlyElementsOf(expected);
  }

  @Test
  void badParametersAreClearErrors() {
    assertThatThrownBy(() -> api.models("", "", "sleeping", "", 50))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("state must be");
    // A limit past the maximum is capped, not an error; zero or less means the default.
    assertThat(api.models("", "", "", "", 100_000).path("models").size())
        .isEqualTo(ConsoleApi.MAX_PAGE);
    assertThat(api.models("", "", "", "", 0).path("models").size()).isEqualTo(50);
  }
}
