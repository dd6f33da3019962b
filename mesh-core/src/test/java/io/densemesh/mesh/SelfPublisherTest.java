package io.densemesh.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.densemesh.api.registry.CopyRecord;
import io.densemesh.api.registry.LoadFailure;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The publisher's reconciliation of this node's registry records with its cache. */
class SelfPublisherTest {

  @TempDir Path dir;
  private SimulatedMesh mesh;
  private SimulatedNode a;

  @BeforeEach
  void setUp() {
    mesh = new SimulatedMesh(dir);
    a = mesh.node("a", 1000);
  }

  @AfterEach
  void tearDown() {
    mesh.close();
  }

  private CopyRecord copyOfA(String model) {
    return mesh.registry.view().copiesOf(model).get("a");
  }

  @Test
  void aLoadedCopyIsPublishedWithItsMeasuredSize() {
    mesh.register("m");
    a.runtime.sizes.put("m", 42L);

    a.load("m");

    assertThat(copyOfA("m").getState()).isEqualTo(CopyRecord.State.LOADED);
    assertThat(copyOfA("m").getSizeBytes()).isEqualTo(42);
    assertThat(mesh.registry.view().instances()).containsKey("a");
  }

  @Test
  void aFirstLoadUnderAClaimWritesNoLoadingRecordAndDropsTheClaimWithItsLoadedRecord() {
    mesh.register("m");
    mesh.registry.claimLoad("m", "a");
    a.runtime.gate = new CountDownLatch(1);
    a.cache.ensureLoading(a.spec("m"));

    a.publish();
    assertThat(copyOfA("m")).as("the claim tells the mesh already").isNull();
    assertThat(mesh.registry.view().claims()).containsEntry("m", "a");

    a.runtime.gate.countDown();
    await().atMost(SimulatedNode.WAIT).until(() -> a.cache.isLoaded("m"));
    a.publish();
    assertThat(copyOfA("m").getState()).isEqualTo(CopyRecord.State.LOADED);
    assertThat(mesh.registry.view().claims()).doesNotContainKey("m");
  }

  @Test
  void aLoadWithoutAClaimIsPublishedAsLoading() {
    mesh.register("m");
    a.runtime.gate = new CountDownLatch(1);
    a.cache.ensureLoading(a.spec("m"));

    a.publish();

    assertThat(copyOfA("m").getState()).isEqualTo(CopyRecord.State.LOADING);
    a.runtime.gate.countDown();
  }

  @Test
  void everythingIsRepublishedAfterTheSessionWasLost() {
    mesh.register("m");
    a.load("m");

    mesh.registry.expire("a");
    a.publish();

    assertThat(mesh.registry.view().instances()).containsKey("a");
    assertThat(copyOfA("m").getState()).isEqualTo(CopyRecord.State.LOADED);
  }

  @Test
  void anOrphanedClaimIsReleasedAfterASecondNotAtOnce() {
    mesh.register("m");
    mesh.registry.claimLoad("m", "a"); // taken just before a load that has not started yet

    a.publish();
    assertThat(mesh.registry.view().claims()).containsEntry("m", "a");

    mesh.clock.advance(Duration.ofSeconds(1));
    a.publish();
    assertThat(mesh.registry.view().claims()).doesNotContainKey("m");
  }

  @Test
  void aFailedLoadReleasesItsClaimAtOnceAndIsRecordedOnTheModel() {
    mesh.register("m");
    mesh.registry.claimLoad("m", "a");
    a.runtime.failures.put("m", "corrupt artifact");
    a.cache.ensureLoading(a.spec("m"));
    await().atMost(SimulatedNode.WAIT).until(() -> a.cache.copyState("m")
        .map(c -> c.phase() == io.densemesh.cache.CopyState.Phase.FAILED).orElse(false));

    a.publish();

    assertThat(mesh.registry.view().claims()).doesNotContainKey("m");
    assertThat(mesh.registry.model("m").orElseThrow().value().getFailuresList())
        .extracting(LoadFailure::getInstanceId, LoadFailure::getReason)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("a", "corrupt artifact"));
  }

  @Test
  void aCopyGoneFromTheCacheIsDeletedFromTheRegistry() {
    mesh.register("m");
    a.load("m");

    a.cache.unload("m");
    a.publish();

    assertThat(copyOfA("m")).isNull();
  }

  @Test
  void aCopyOfAModelNoLongerRegisteredIsUnloaded() {
    mesh.register("m");
    a.load("m");

    mesh.registry.deleteModel("m", mesh.registry.model("m").orElseThrow().version());
    a.publish();

    assertThat(a.cache.isLoaded("m")).isFalse();
  }

  @Test
  void usageIsRepublishedAtMostOnceASecond() {
    mesh.register("m"); // the node's record was published at this clock time, when it joined
    a.cache.awaitLoaded(a.spec("m"), SimulatedNode.WAIT);

    a.publish();
    assertThat(mesh.registry.view().instances().get("a").getUsedBytes()).isZero();

    mesh.clock.advance(Duration.ofSeconds(1));
    a.publish();
    assertThat(mesh.registry.view().instances().get("a").getUsedBytes()).isEqualTo(100);
  }

  @Test
  void drainingIsPublishedAtOnceEvenWithinTheThrottleSecond() {
    // Regression: Drainer.drain published draining=true only if a second had passed since the
    // last instance update, so placement could still choose a draining node.
    mesh.node("b", 1000);
    mesh.clock.advance(Duration.ofSeconds(1));
    a.publish();

    a.drainer.drain(SimulatedNode.WAIT);

    assertThat(mesh.registry.view().instances().get("a").getDraining()).isTrue();
  }

  @Test
  void whileTheRegistryIsUnreachableNothingThrowsAndTheNextPassCatchesUp() {
    mesh.register("m");
    mesh.registry.unreachable(true);
    a.load("m");
    assertThat(copyOfA("m")).isNull();

    mesh.registry.unreachable(false);
    a.publish();

    assertThat(copyOfA("m").getState()).isEqualTo(CopyRecord.State.LOADED);
  }
}
