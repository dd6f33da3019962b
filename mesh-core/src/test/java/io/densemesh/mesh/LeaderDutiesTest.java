package io.densemesh.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.densemesh.api.registry.CopyRecord;
import io.densemesh.api.registry.LoadFailure;
import io.densemesh.api.registry.ModelRecord;
import io.densemesh.api.registry.VModelRecord;
import io.densemesh.registry.Versioned;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The leader's election and chores, one {@link LeaderDuties#tick} at a time. */
class LeaderDutiesTest {

  @TempDir Path dir;
  private SimulatedMesh mesh;

  @AfterEach
  void tearDown() {
    mesh.close();
  }

  private SimulatedMesh mesh() {
    mesh = new SimulatedMesh(dir);
    return mesh;
  }

  private LeaderDuties duties(SimulatedNode node, boolean proactive) {
    return new LeaderDuties(node.id, mesh.registry, node.loader, node.vmodels, mesh.clock,
        SimulatedNode.FAILURE_EXPIRY, proactive, () -> true);
  }

  private void addFailure(String modelId, String onInstance, long atMillis) {
    Versioned<ModelRecord> current = mesh.registry.model(modelId).orElseThrow();
    mesh.registry.putModel(current.value().toBuilder().addFailures(LoadFailure.newBuilder()
        .setInstanceId(onInstance).setReason("broken").setTime(atMillis)).build(),
        current.version()).orElseThrow();
  }

  @Test
  void theFirstNodeTakesTheFreeLeadershipAndTheOthersDoNot() {
    mesh();
    LeaderDuties a = duties(mesh.node("a", 1000), false);
    LeaderDuties b = duties(mesh.node("b", 1000), false);

    a.tick();
    b.tick();
    a.tick();

    assertThat(a.leading()).isTrue();
    assertThat(b.leading()).isFalse();
    assertThat(mesh.registry.view().leader()).isEqualTo("a");
  }

  @Test
  void whenTheLeadersSessionEndsAnotherNodeTakesOver() {
    mesh();
    LeaderDuties a = duties(mesh.node("a", 1000), false);
    LeaderDuties b = duties(mesh.node("b", 1000), false);
    a.tick();

    mesh.registry.expire("a");
    b.tick();

    assertThat(b.leading()).isTrue();
    assertThat(mesh.registry.view().leader()).isEqualTo("b");
  }

  @Test
  void aLeaderWhoseNodeVanishedButWhoseKeyRemainsBlocksTheChoresUntilItExpires() {
    mesh();
    SimulatedNode a = mesh.node("a", 1000);
    mesh.register("held", 2, 0);
    mesh.node("b", 1000).load("held");
    mesh.registry.tryLead("ghost"); // the key outlives its node's instance record for a moment
    LeaderDuties duties = duties(a, false);

    duties.tick();

    assertThat(duties.leading()).isFalse();
    assertThat(a.cache.copyState("held")).as("no chores without the leadership").isEmpty();
  }

  @Test
  void minCopiesAddsTheMissingCopyOnANodeThatHoldsNone() {
    mesh();
    SimulatedNode a = mesh.node("a", 1000);
    SimulatedNode b = mesh.node("b", 1000);
    mesh.register("m", 2, 0);
    b.load("m");

    duties(a, false).tick();

    await().atMost(SimulatedNode.WAIT).until(() -> a.cache.isLoaded("m"));
    assertThat(b.runtime.loadsOf("m")).as("the holder is not asked again").isEqualTo(1);
  }

  @Test
  void aCopyOnANodeThatIsGoneDoesNotCountTowardsMinCopies() {
    mesh();
    SimulatedNode a = mesh.node("a", 1000);
    mesh.register("m", 1, 0);
    mesh.registry.putCopy(CopyRecord.newBuilder().setModelId("m").setInstanceId("gone")
        .setState(CopyRecord.State.LOADED).build());

    duties(a, false).tick();

    await().atMost(SimulatedNode.WAIT).until(() -> a.cache.isLoaded("m"));
  }

  @Test
  void aModelThatFailedRecentlyIsNotReloadedForItsMinCopies() {
    mesh();
    SimulatedNode a = mesh.node("a", 1000);
    mesh.register("m", 1, 0);
    addFailure("m", "b", mesh.clock.millis() - 1000);

    duties(a, false).tick();

    assertThat(a.cache.copyState("m")).isEmpty();
    assertThat(a.runtime.loadsOf("m")).isZero();
  }

  @Test
  void expiredLoadFailuresArePrunedAndRecentOnesKept() {
    mesh();
    SimulatedNode a = mesh.node("a", 1000);
    mesh.register("m");
    long now = mesh.clock.millis();
    addFailure("m", "old", now - SimulatedNode.FAILURE_EXPIRY.toMillis() - 1);
    addFailure("m", "recent", now - 1000);

    duties(a, false).tick();

    assertThat(mesh.registry.model("m").orElseThrow().value().getFailuresList())
        .extracting(LoadFailure::getInstanceId).containsExactly("recent");
  }

  @Test
  void aVModelSwitchesToItsTargetOnceTheTargetIsLoadedAnywhere() {
    mesh();
    SimulatedNode a = mesh.node("a", 1000);
    SimulatedNode b = mesh.node("b", 1000);
    mesh.register("old");
    mesh.register("new");
    mesh.registry.putVModel(VModelRecord.newBuilder().setVmodelId("v").setActiveModelId("old")
        .setTargetModelId("new").build(), 0).orElseThrow();
    b.load("new");

    duties(a, false).tick();

    assertThat(mesh.registry.vmodel("v").orElseThrow().value().getActiveModelId())
        .isEqualTo("new");
  }

  @Test
  void aVModelTargetNobodyLoadsIsLoadedAndATargetThatFailedMarksTheTransitionFailed() {
    mesh();
    SimulatedNode a = mesh.node("a", 1000);
    mesh.register("old");
    mesh.register("new");
    mesh.register("broken");
    mesh.registry.putVModel(VModelRecord.newBuilder().setVmodelId("v").setActiveModelId("old")
        .setTargetModelId("new").build(), 0).orElseThrow();
    mesh.registry.putVModel(VModelRecord.newBuilder().setVmodelId("w").setActiveModelId("old")
        .setTargetModelId("broken").build(), 0).orElseThrow();
    addFailure("broken", "a", mesh.clock.millis());

    duties(a, false).tick();

    await().atMost(SimulatedNode.WAIT).until(() -> a.cache.isLoaded("new"));
    assertThat(a.cache.copyState("broken")).isEmpty();
    assertThat(mesh.registry.vmodel("w").orElseThrow().value().getTransitionFailed()).isTrue();
  }

  @Test
  void proactiveLoadingFillsAnEmptyMeshWithTheMostRecentlyUsedModelsTwoPerPass() {
    mesh();
    SimulatedNode a = mesh.node("a", 10_000);
    for (String id : new String[] {"x", "y", "z"}) {
      mesh.register(id);
      mesh.clock.advance(Duration.ofSeconds(1)); // z is the most recently used
    }

    duties(a, true).tick();

    assertThat(a.cache.copies()).containsOnlyKeys("y", "z");
  }

  @Test
  void proactiveLoadingStopsOnceHalfTheMeshIsUsed() {
    mesh();
    SimulatedNode a = mesh.node("a", 300);
    mesh.register("big");
    a.load("big");
    a.runtime.sizes.put("unused", 100L);
    mesh.register("unused");
    a.publish();

    duties(a, true).tick();

    assertThat(a.cache.copyState("unused")).as("100 of 300 bytes used: still below half")
        .isPresent();
    mesh.register("another");
    a.load("unused");
    mesh.clock.advance(Duration.ofSeconds(1)); // usage is republished at most once a second
    a.publish();
    duties(a, true).tick();

    assertThat(a.cache.copyState("another")).as("200 of 300 bytes used").isEmpty();
  }

  @Test
  void anUnreachableRegistrySkipsThePassWithoutThrowing() {
    mesh();
    LeaderDuties a = duties(mesh.node("a", 1000), false);
    mesh.registry.unreachable(true);

    a.tick();

    assertThat(a.leading()).isFalse();
    mesh.registry.unreachable(false);
    a.tick();
    assertThat(a.leading()).isTrue();
  }
}
