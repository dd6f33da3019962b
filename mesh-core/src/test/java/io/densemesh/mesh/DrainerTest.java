package io.densemesh.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which copies a draining node moves, and that it waits for them (bounded). */
class DrainerTest {

  @TempDir Path dir;
  private SimulatedMesh mesh;
  private SimulatedNode a;
  private SimulatedNode b;

  @BeforeEach
  void setUp() {
    mesh = new SimulatedMesh(dir);
    a = mesh.node("a", 1000);
    b = mesh.node("b", 1000);
    mesh.clock.advance(Duration.ofSeconds(1)); // past the instance record's republish throttle
  }

  @AfterEach
  void tearDown() {
    mesh.close();
  }

  @Test
  void theOnlyCopyOfARecentlyUsedModelIsLoadedElsewhereBeforeTheDrainReturns() {
    mesh.register("m");
    a.load("m");

    int moved = a.drainer.drain(SimulatedNode.WAIT);

    assertThat(moved).isEqualTo(1);
    assertThat(b.cache.isLoaded("m")).isTrue();
    assertThat(mesh.registry.view().loadedOn("m")).contains("b");
    assertThat(mesh.registry.view().instances().get("a").getDraining()).isTrue();
  }

  @Test
  void aModelWithACopyElsewhereIsNotMoved() {
    mesh.register("m");
    a.load("m");
    b.load("m");

    assertThat(a.drainer.drain(SimulatedNode.WAIT)).isZero();
  }

  @Test
  void anIdleModelIsMovedOnlyWhenItMustKeepMinCopies() {
    mesh.register("idle");
    mesh.register("kept", 1, 0);
    a.load("idle");
    a.load("kept");
    mesh.clock.advance(Drainer.RECENT_USE.plusSeconds(1));

    int moved = a.drainer.drain(SimulatedNode.WAIT);

    assertThat(moved).isEqualTo(1);
    assertThat(b.cache.isLoaded("kept")).isTrue();
    assertThat(b.cache.copyState("idle")).isEmpty();
  }

  @Test
  void aCopyOfAModelNoLongerRegisteredIsNotMoved() {
    mesh.register("m");
    a.load("m");
    mesh.registry.deleteModel("m", mesh.registry.model("m").orElseThrow().version());

    assertThat(a.drainer.drain(SimulatedNode.WAIT)).isZero();
    assertThat(b.cache.copyState("m")).isEmpty();
  }

  @Test
  void aNodeAloneInTheMeshHasNowhereToMoveTo() {
    mesh.registry.expire("b");
    mesh.register("m");
    a.load("m");

    assertThat(a.drainer.drain(SimulatedNode.WAIT)).isZero();
    assertThat(a.drainer.draining()).isTrue();
  }

  @Test
  void aSecondDrainDoesNothing() {
    mesh.register("m");
    a.load("m");
    a.drainer.drain(SimulatedNode.WAIT);

    assertThat(a.drainer.drain(SimulatedNode.WAIT)).isZero();
  }

  @Test
  void aMoveThatDoesNotFinishInTimeEndsTheDrainAtTheTimeout() {
    mesh.register("m");
    a.load("m");
    b.runtime.gate = new CountDownLatch(1); // b's load hangs

    int moved = a.drainer.drain(Duration.ofMillis(100));

    assertThat(moved).as("asked for, not finished").isEqualTo(1);
    assertThat(mesh.registry.view().loadedOn("m")).containsExactly("a");
    b.runtime.gate.countDown();
  }
}
