package io.densemesh.mesh;

import static io.densemesh.mesh.ForwardingFixture.floats;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.densemesh.api.inference.GRPCInferenceServiceGrpc;
import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.api.inference.ModelInferResponse;
import io.densemesh.api.inference.ModelMetadataRequest;
import io.densemesh.api.inference.ModelReadyRequest;
import io.densemesh.protocol.ProtoTensorCodec;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gRPC front end's routing: here or forwarded as bytes, and which failures are retried. */
class InferenceRoutingTest {

  @TempDir Path dir;
  private SimulatedMesh mesh;
  private SimulatedNode a;
  private SimulatedNode b;
  private ManagedChannel channel;
  private GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub clientOfA;

  @BeforeEach
  void setUp() {
    mesh = new SimulatedMesh(dir);
    a = mesh.node("a", 1000);
    b = mesh.node("b", 1000);
    mesh.register("m");
    channel = InProcessChannelBuilder.forName(a.address).build();
    clientOfA = GRPCInferenceServiceGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void tearDown() {
    channel.shutdownNow();
    mesh.close();
  }

  private static ModelInferRequest request(float... values) {
    return ProtoTensorCodec.request("m", floats(values), Set.of());
  }

  private static float[] answer(ModelInferResponse response) {
    return ForwardingFixture.values(ProtoTensorCodec.outputs(response).get(0));
  }

  @Test
  void aModelHeldByAPeerIsForwardedAndThePeersAnswerPassedBack() {
    b.load("m");

    assertThat(answer(clientOfA.modelInfer(request(1, 2)))).containsExactly(1, 2);
    assertThat(a.forwards("ok")).isEqualTo(1);
    assertThat(a.cache.copyState("m")).isEmpty();
  }

  @Test
  void aModelHeldHereIsServedHere() {
    a.load("m");
    b.load("m");

    assertThat(answer(clientOfA.modelInfer(request(9)))).containsExactly(9);
    assertThat(a.forwards("ok")).isZero();
  }

  @Test
  void aRequestServedHereRunsOnAWorkerNeverOnTheTransportThread() {
    a.load("m");

    assertThat(answer(clientOfA.modelInfer(request(3)))).containsExactly(3);
    // In-process with a direct executor, the transport thread is the caller's own.
    assertThat(a.runtime.inferThreads).containsExactly("sim-worker");
  }

  @Test
  void aForwardedRequestIsRoutedAndForwardedWithoutAWorker() {
    b.load("m");

    assertThat(answer(clientOfA.modelInfer(request(4)))).containsExactly(4);
    assertThat(a.workers.getTaskCount()).as("tasks on the forwarder's workers").isZero();
    assertThat(b.workers.getTaskCount()).as("served on the holder's worker").isEqualTo(1);
  }

  @Test
  void aClusterWideMissIsRoutedOnAWorkerWhereTheClaimMayBlock() {
    assertThat(answer(clientOfA.modelInfer(request(6)))).containsExactly(6);

    // The answer can reach the client before the serving task has returned to its pool.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(a.workers.getTaskCount() + b.workers.getTaskCount())
            .as("routing moved to a worker, then served on one").isGreaterThanOrEqualTo(2));
    assertThat(a.runtime.inferThreads).allMatch("sim-worker"::equals);
    assertThat(b.runtime.inferThreads).allMatch("sim-worker"::equals);
  }

  @Test
  void metadataIsRoutedLikeInference() {
    b.load("m");

    assertThat(clientOfA.modelMetadata(ModelMetadataRequest.newBuilder().setName("m").build())
        .getInputs(0).getName()).isEqualTo("x");
    assertThat(a.forwards("ok")).isEqualTo(1);
  }

  @Test
  void aPeerThatIsGoneIsExcludedAndTheRequestRoutedAgain() {
    b.load("m");
    b.crash();

    assertThat(answer(clientOfA.modelInfer(request(5)))).containsExactly(5);
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

    assertThatThrownBy(() -> clientOfA.modelInfer(request(1)))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(a.forwards("retried")).isEqualTo(2);
    assertThat(a.forwards("failed")).isEqualTo(1);
    assertThat(a.cache.copyState("m")).isEmpty();
  }

  @Test
  void aPeersOtherErrorsPassThroughWithoutARetry() {
    SimulatedNode c = mesh.node("c", 1000);
    b.load("m");
    c.load("m");
    ModelInferRequest wrong = ProtoTensorCodec.request("m", ForwardingFixture.wrongType(),
        Set.of());

    assertThatThrownBy(() -> clientOfA.modelInfer(wrong))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    assertThat(a.forwards("failed")).isEqualTo(1);
    assertThat(a.forwards("retried")).isZero();
  }

  @Test
  void anUnregisteredModelIsNotFoundWithoutForwarding() {
    b.load("m");
    ModelInferRequest unknown = ProtoTensorCodec.request("nope", floats(1), Set.of());

    assertThatThrownBy(() -> clientOfA.modelInfer(unknown))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    assertThat(a.forwards("ok") + a.forwards("failed")).isZero();
  }

  @Test
  void modelReadyMeansServedWithoutALoadHereOrOnAPeerAsOnRest() {
    ModelReadyRequest ready = ModelReadyRequest.newBuilder().setName("m").build();
    assertThat(clientOfA.modelReady(ready).getReady()).as("registered, loaded nowhere").isFalse();

    b.load("m");

    assertThat(clientOfA.modelReady(ready).getReady()).isTrue();
    assertThat(a.cache.copyState("m")).as("asking does not load").isEmpty();
  }

  @Test
  void theRetryBudgetStopsRetriesAgainstADeadPeer() {
    // Only b may hold the model (placement keeps away from the others), and b is dead.
    SimulatedNode front = mesh.node("front", 1000, "format:other");
    a.labels.put("format:other", "");
    a.publish();
    b.load("m");
    b.crash();
    ManagedChannel toFront = InProcessChannelBuilder.forName(front.address).build();
    try {
      GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub client =
          GRPCInferenceServiceGrpc.newBlockingStub(toFront);
      int requests = 200;
      for (int i = 0; i < requests; i++) {
        try {
          client.modelInfer(request(1));
        } catch (StatusRuntimeException expected) {
          // the dead peer's UNAVAILABLE, or a later answer after a retry
        }
      }

      // 10 s window at the fake clock: 1 a second (10) plus 10 % of at most 200 forwards (20).
      // Without the budget every failed first attempt would be retried.
      double retried = front.forwards("retried");
      double denied = front.forwards("retry_denied");
      assertThat(retried).isBetween(10.0, 30.0);
      assertThat(denied).isGreaterThan(retried);
      assertThat(front.forwards("failed")).isGreaterThanOrEqualTo(denied);
    } finally {
      toFront.shutdownNow();
    }
  }

  /** Callers waiting for m's load on a or b. */
  private int waiters() {
    return a.cache.waiters("m") + b.cache.waiters("m");
  }

  @Test
  void aClientCancellationReachesTheForwardedCall() throws Exception {
    java.util.concurrent.CountDownLatch hang = new java.util.concurrent.CountDownLatch(1);
    a.runtime.gate = hang; // loads hang wherever placement puts the model
    b.runtime.gate = hang;
    SimulatedNode front = mesh.node("front", 1000, "format:other");
    ManagedChannel toFront = InProcessChannelBuilder.forName(front.address).build();
    try {
      io.grpc.Context.CancellableContext call = io.grpc.Context.current().withCancellation();
      GRPCInferenceServiceGrpc.GRPCInferenceServiceFutureStub client =
          GRPCInferenceServiceGrpc.newFutureStub(toFront);
      com.google.common.util.concurrent.ListenableFuture<ModelInferResponse> answer =
          call.call(() -> client.modelInfer(request(1)));
      // The request went to a or b, which now waits for the load on the hanging runtime.
      org.awaitility.Awaitility.await().until(() -> waiters() == 1);

      call.cancel(null);

      org.awaitility.Awaitility.await().until(() -> waiters() == 0);
      assertThat(answer.isCancelled() || answer.isDone()).isTrue();
    } finally {
      hang.countDown();
      toFront.shutdownNow();
    }
  }

  @Test
  void theForwardedCallCarriesTheCallersRemainingDeadline() {
    java.util.concurrent.CountDownLatch hang = new java.util.concurrent.CountDownLatch(1);
    a.runtime.gate = hang; // loads hang wherever placement puts the model
    b.runtime.gate = hang;
    SimulatedNode front = mesh.node("front", 1000, "format:other");
    ManagedChannel toFront = InProcessChannelBuilder.forName(front.address).build();
    try {
      long start = System.nanoTime();
      assertThatThrownBy(() -> GRPCInferenceServiceGrpc.newBlockingStub(toFront)
          .withDeadlineAfter(300, java.util.concurrent.TimeUnit.MILLISECONDS)
          .modelInfer(request(1)))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
      // The peer stops waiting with the caller (its own wait would be SimulatedNode.WAIT).
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
          .until(() -> waiters() == 0);
      assertThat(java.time.Duration.ofNanos(System.nanoTime() - start))
          .isLessThan(SimulatedNode.WAIT);
    } finally {
      hang.countDown();
      toFront.shutdownNow();
    }
  }
}
