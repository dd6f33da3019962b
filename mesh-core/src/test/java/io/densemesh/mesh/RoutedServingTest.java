package io.densemesh.mesh;

import static io.densemesh.mesh.ForwardingFixture.floats;
import static io.densemesh.mesh.ForwardingFixture.values;
import static io.densemesh.mesh.ForwardingFixture.wrongType;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.runtime.Tensor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The REST front end's serving: here or forwarded, and which failures are retried. */
class RoutedServingTest {

  @TempDir Path dir;
  private SimulatedMesh mesh;
  private SimulatedNode a;
  private SimulatedNode b;

  @BeforeEach
  void setUp() {
    mesh = new SimulatedMesh(dir);
    a = mesh.node("a", 1000);
    b = mesh.node("b", 1000);
    mesh.register("m");
  }

  @AfterEach
  void tearDown() {
    mesh.close();
  }

  private RoutedServing routed(SimulatedNode node) {
    return new RoutedServing(node.serving, node.forwarding, node.readiness, SimulatedNode.WAIT,
        node.retries);
  }

  private List<Tensor> infer(SimulatedNode node, List<Tensor> inputs) {
    return routed(node).infer(node.spec("m"), inputs, Set.of(), null);
  }

  @Test
  void aModelHeldHereIsServedHere() {
    a.load("m");
    b.load("m");

    assertThat(values(infer(a, floats(1, 2)).get(0))).containsExactly(1, 2);
    assertThat(a.forwards("ok")).isZero();
  }

  @Test
  void aModelHeldByAPeerIsForwardedThereAndItsAnswerDecoded() {
    b.load("m");

    assertThat(values(infer(a, floats(3, 4, 5)).get(0))).containsExactly(3, 4, 5);
    assertThat(a.forwards("ok")).isEqualTo(1);
    assertThat(a.cache.copyState("m")).as("not loaded here").isEmpty();
  }

  @Test
  void metadataIsForwardedTheSameWay() {
    b.load("m");

    assertThat(routed(a).metadata(a.spec("m"), null).inputs().get(0).name()).isEqualTo("x");
    assertThat(a.forwards("ok")).isEqualTo(1);
  }

  @Test
  void aPeerThatIsGoneIsExcludedAndTheRequestRoutedAgain() {
    b.load("m");
    b.crash(); // still in the registry with a LOADED copy

    assertThat(values(infer(a, floats(7)).get(0))).containsExactly(7);
    assertThat(a.forwards("retried")).isEqualTo(1);
  }

  @Test
  void afterThreeUnavailablePeersTheRequestFailsUnavailable() {
    SimulatedNode c = mesh.node("c", 1000);
    SimulatedNode d = mesh.node("d", 1000);
    for (SimulatedNode n : List.of(b, c, d)) {
      n.load("m");
      n.crash();
    }

    assertThatThrownBy(() -> infer(a, floats(1)))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(a.forwards("retried")).as("the same counts as gRPC's").isEqualTo(2);
    assertThat(a.forwards("failed")).isEqualTo(1);
    assertThat(a.cache.copyState("m")).as("never served here").isEmpty();
  }

  @Test
  void aPeersOtherErrorsPassThroughWithoutARetry() {
    SimulatedNode c = mesh.node("c", 1000);
    b.load("m");
    c.load("m");

    assertThatThrownBy(() -> infer(a, wrongType()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    assertThat(a.forwards("failed")).isEqualTo(1);
    assertThat(a.forwards("retried")).isZero();
  }

  @Test
  void readyWhenLoadedHereOrAnywhereInTheMesh() {
    RoutedServing onA = routed(a);
    assertThat(onA.ready(a.spec("m"))).isFalse();

    b.load("m");

    assertThat(onA.ready(a.spec("m"))).isTrue();
  }
}
