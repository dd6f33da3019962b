package io.densemesh.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.densemesh.api.registry.InstanceRecord;
import io.densemesh.runtime.error.DeadlineExceededException;
import io.densemesh.runtime.error.ModelLoadException;
import io.densemesh.runtime.error.UnavailableException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where copies are made: first copies, extra copies, claimed loads, and their failures. */
class CopyLoaderTest {

  @TempDir Path dir;
  private SimulatedMesh mesh;

  @BeforeEach
  void setUp() {
    mesh = new SimulatedMesh(dir);
  }

  @AfterEach
  void tearDown() {
    mesh.close();
  }

  @Test
  void aFirstCopyIsLoadedOnceOnTheNodeTheRouterChoosesAndSyncWaitsForIt() {
    SimulatedNode a = mesh.node("a", 1000, "format:other"); // placement cannot choose a
    SimulatedNode b = mesh.node("b", 1000);
    mesh.register("m");

    a.loader.ensureCopy(a.spec("m"), true);

    assertThat(b.cache.isLoaded("m")).isTrue();
    assertThat(a.cache.copyState("m")).isEmpty();
    assertThat(mesh.registry.view().loadedOn("m")).containsExactly("b");
  }

  @Test
  void aModelLoadedElsewhereGetsNoNewCopy() {
    SimulatedNode a = mesh.node("a", 1000);
    SimulatedNode b = mesh.node("b", 1000);
    mesh.register("m");
    b.load("m");

    a.loader.ensureCopy(a.spec("m"), true);

    assertThat(a.cache.copyState("m")).isEmpty();
    assertThat(b.runtime.loadsOf("m")).isEqualTo(1);
  }

  @Test
  void aLocalCopyIsWaitedForHereEvenWhenAnotherNodeHasOne() {
    SimulatedNode a = mesh.node("a", 1000);
    SimulatedNode b = mesh.node("b", 1000);
    mesh.register("m");
    b.load("m");
    a.cache.ensureLoading(a.spec("m"));

    a.loader.ensureCopy(a.spec("m"), true);

    assertThat(a.cache.isLoaded("m")).isTrue();
  }

  @Test
  void anExtraCopyGoesToANodeThatNeitherHoldsOneNorIsExcluded() {
    SimulatedNode a = mesh.node("a", 1000);
    SimulatedNode b = mesh.node("b", 1000);
    SimulatedNode c = mesh.node("c", 1000);
    mesh.register("m");
    a.load("m");

    assertThat(a.loader.addCopy(a.spec("m"), Set.of("b"))).isTrue();

    await().atMost(SimulatedNode.WAIT).until(() -> c.cache.isLoaded("m"));
    assertThat(b.cache.copyState("m")).isEmpty();
  }

  @Test
  void noExtraCopyWhenEveryNodeHoldsOneOrIsExcluded() {
    SimulatedNode a = mesh.node("a", 1000);
    SimulatedNode b = mesh.node("b", 1000);
    mesh.register("m");
    a.load("m");

    assertThat(a.loader.addCopy(a.spec("m"), Set.of("b"))).isFalse();
    assertThat(b.cache.copyState("m")).isEmpty();
  }

  @Test
  void aClaimHeldByALiveNodeIsRespectedAndNothingLoadsHere() {
    SimulatedNode a = mesh.node("a", 1000);
    mesh.node("b", 1000);
    mesh.register("m");
    mesh.registry.claimLoad("m", "b");

    assertThat(a.loader.claimAndLoad(a.spec("m"), false)).isEqualTo("b");
    assertThat(a.cache.copyState("m")).isEmpty();
  }

  @Test
  void aClaimLeftByAVanishedNodeDoesNotStopTheLoad() {
    SimulatedNode a = mesh.node("a", 1000);
    mesh.register("m");
    mesh.registry.claimLoad("m", "vanished"); // no instance record: its node is gone

    assertThat(a.loader.claimAndLoad(a.spec("m"), true)).isEqualTo("a");
    assertThat(a.cache.isLoaded("m")).isTrue();
  }

  @Test
  void whenTheRegistryCannotTakeTheClaimTheNodeLoadsAnyway() {
    SimulatedNode a = mesh.node("a", 1000);
    mesh.register("m");
    mesh.registry.unreachable(true);

    assertThat(a.loader.claimAndLoad(a.spec("m"), true)).isEqualTo("a");
    assertThat(a.cache.isLoaded("m")).isTrue();
  }

  @Test
  void aPeersFailedLoadComesBackAsALoadFailure() {
    SimulatedNode a = mesh.node("a", 1000, "format:other");
    SimulatedNode b = mesh.node("b", 1000);
    mesh.register("m");
    b.runtime.failures.put("m", "corrupt artifact");

    assertThatThrownBy(() -> a.loader.ensureCopy(a.spec("m"), true))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining("corrupt artifact");
  }

  @Test
  void aPeerThatDoesNotAnswerIsReportedUnavailable() {
    SimulatedNode a = mesh.node("a", 1000, "format:other");
    SimulatedNode b = mesh.node("b", 1000);
    mesh.register("m");
    b.crash();

    assertThatThrownBy(() -> a.loader.ensureCopy(a.spec("m"), true))
        .isInstanceOf(UnavailableException.class).hasMessageContaining(b.address);
  }

  @Test
  void waitingForACopyElsewhereEndsAtTheLoadTimeout() {
    SimulatedNode a = mesh.node("a", 1000);
    SimulatedNode b = mesh.node("b", 1000);
    mesh.register("m");
    mesh.registry.claimLoad("m", "b");
    b.runtime.gate = new CountDownLatch(1);
    b.cache.ensureLoading(b.spec("m"));
    CopyLoader impatient = new CopyLoader("a", a.cache, mesh.registry, a.router, a.peers,
        a.events, Duration.ofMillis(50));

    assertThatThrownBy(() -> impatient.claimAndLoad(a.spec("m"), true))
        .isInstanceOf(DeadlineExceededException.class).hasMessageContaining("m");
    b.runtime.gate.countDown();
  }

  @Test
  void aCopyOnANodeThatVanishedDoesNotCountAsLoaded() {
    SimulatedNode a = mesh.node("a", 1000);
    mesh.register("m");
    mesh.registry.putInstance(InstanceRecord.newBuilder().setInstanceId("gone")
        .setAddress("nowhere").build());
    mesh.registry.putCopy(io.densemesh.api.registry.CopyRecord.newBuilder().setModelId("m")
        .setInstanceId("gone").setState(io.densemesh.api.registry.CopyRecord.State.LOADED)
        .build());
    mesh.registry.expire("gone");

    a.loader.ensureCopy(a.spec("m"), true);

    assertThat(a.cache.isLoaded("m")).isTrue();
  }
}
