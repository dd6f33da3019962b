package io.densemesh.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Copy scaling by request rate: a busy copy asks for company (not twice while the first request
 * may be invisible), surplus idle copies are dropped by a non-first holder only, never below the
 * model's minimum, and the last copies of a min-copies model are protected from eviction.
 */
class CopyScalerTest {

  private static final Duration PERIOD = Duration.ofSeconds(5);

  @TempDir Path dir;
  private SimulatedMesh mesh;
  private SimulatedNode a;
  private SimulatedNode b;

  @BeforeEach
  void setUp() {
    mesh = new SimulatedMesh(dir);
    a = mesh.node("a", 1000);
    b = mesh.node("b", 1000);
  }

  @AfterEach
  void tearDown() {
    mesh.close();
  }

  private CopyScaler scaler(SimulatedNode node) {
    return new CopyScaler(node.id, node.cache, mesh.registry, node.policies, node.loader,
        mesh.clock, PERIOD);
  }

  private static void requests(CopyScaler scaler, String model, int n) {
    for (int i = 0; i < n; i++) {
      scaler.hit(model);
    }
  }

  @Test
  void aCopyServingMoreThanItsShareGetsASecondCopyOnAnotherNode() {
    mesh.register("m");
    a.load("m");
    CopyScaler scaler = scaler(a);
    requests(scaler, "m", 1000); // 200 req/s over the period, 33/s per copy wanted
    mesh.clock.advance(PERIOD);

    scaler.tick();

    await().atMost(SimulatedNode.WAIT).until(() -> b.cache.isLoaded("m"));
  }

  @Test
  void aQuietCopyAsksForNothing() {
    mesh.register("m");
    a.load("m");
    CopyScaler scaler = scaler(a);
    requests(scaler, "m", 10); // 2 req/s
    mesh.clock.advance(PERIOD);

    scaler.tick();

    assertThat(b.cache.copyState("m")).isEmpty();
  }

  @Test
  void aScaleUpIsNotRepeatedWithinTwoPeriodsWhileTheFirstMayNotBeVisible() {
    SimulatedNode c = mesh.node("c", 1000);
    mesh.register("m");
    a.load("m");
    b.runtime.gate = new CountDownLatch(1);
    c.runtime.gate = new CountDownLatch(1);
    CopyScaler scaler = scaler(a);
    requests(scaler, "m", 5000);
    mesh.clock.advance(PERIOD);
    scaler.tick();
    await().atMost(SimulatedNode.WAIT).until(() ->
        b.runtime.loadsOf("m") + c.runtime.loadsOf("m") == 1);

    requests(scaler, "m", 5000);
    mesh.clock.advance(PERIOD);
    scaler.tick();
    assertThat(b.runtime.loadsOf("m") + c.runtime.loadsOf("m")).isEqualTo(1);

    requests(scaler, "m", 5000);
    mesh.clock.advance(PERIOD);
    scaler.tick();
    await().atMost(SimulatedNode.WAIT).until(() ->
        b.runtime.loadsOf("m") + c.runtime.loadsOf("m") == 2);
    b.runtime.gate.countDown();
    c.runtime.gate.countDown();
  }

  @Test
  void anIdleSurplusCopyIsDroppedByTheSecondHolderAndKeptByTheFirst() {
    mesh.register("m");
    a.load("m");
    b.load("m");
    CopyScaler onA = scaler(a);
    CopyScaler onB = scaler(b);
    mesh.clock.advance(PERIOD);

    onA.tick();
    onB.tick();

    assertThat(a.cache.isLoaded("m")).as("the first holder keeps the last copy").isTrue();
    assertThat(b.cache.isLoaded("m")).isFalse();
  }

  @Test
  void aCopyYoungerThanOnePeriodIsNotDropped() {
    mesh.register("m");
    a.load("m");
    mesh.clock.advance(PERIOD);
    b.load("m");
    CopyScaler onB = scaler(b);
    mesh.clock.advance(PERIOD.minusSeconds(1));

    onB.tick();

    assertThat(b.cache.isLoaded("m")).isTrue();
  }

  @Test
  void copiesAreNotDroppedBelowTheModelsMinimum() {
    mesh.register("m", 2, 0);
    a.load("m");
    b.load("m");
    CopyScaler onB = scaler(b);
    mesh.clock.advance(PERIOD);

    onB.tick();

    assertThat(b.cache.isLoaded("m")).isTrue();
  }

  @Test
  void aCopyOfAnUnregisteredModelIsLeftToThePublisher() {
    mesh.register("m");
    a.load("m");
    b.load("m");
    mesh.registry.deleteModel("m", mesh.registry.model("m").orElseThrow().version());
    CopyScaler onB = scaler(b);
    mesh.clock.advance(PERIOD);

    onB.tick();

    assertThat(b.cache.isLoaded("m")).isTrue();
  }

  @Test
  void theLastCopiesOfAMinCopiesModelAreProtectedFromEviction() {
    SimulatedNode c = mesh.node("c", 1000);
    mesh.register("kept", 2, 0);
    mesh.register("free");
    a.load("kept");
    b.load("kept");
    a.load("free");
    CopyScaler scaler = scaler(a);

    assertThat(scaler.protectedCopy("kept")).isTrue();
    assertThat(scaler.protectedCopy("free")).isFalse();
    assertThat(scaler.protectedCopy("unknown")).isFalse();
    c.load("kept");
    assertThat(scaler.protectedCopy("kept")).as("three copies, two needed").isFalse();
  }
}
