package io.densemesh.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.densemesh.metrics.NodeMetrics;
import io.densemesh.runtime.ModelMetadata;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.error.OverloadedException;
import io.densemesh.serving.Serving;
import io.grpc.Context;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The node's in-flight limit as a link of the serving chain, counted by reason in metrics. */
class AdmittedServingTest {

  private final NodeMetrics metrics = new NodeMetrics();
  private final CountDownLatch release = new CountDownLatch(1);
  private final InFlightLimit limit = new InFlightLimit(1);
  private final ModelSpec model = new ModelSpec("m", "fake", "/m", "");

  /** Serving whose inference holds until the test releases it. */
  private final Serving held = new Serving() {
    @Override
    public List<Tensor> infer(ModelSpec m, List<Tensor> inputs, Set<String> outputs,
        Duration timeout) {
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return List.of();
    }

    @Override
    public ModelMetadata metadata(ModelSpec m, Duration timeout) {
      return new ModelMetadata("fake", List.of(), List.of());
    }

    @Override
    public boolean ready(ModelSpec m) {
      return true;
    }
  };

  private final AdmittedServing serving = new AdmittedServing(held,
      new Admission(limit, metrics::admissionRejected));

  @AfterEach
  void tearDown() {
    release.countDown();
    metrics.close();
  }

  private double rejected(String reason) {
    var counter = metrics.registry().find("densemesh.admission.rejected").tag("reason", reason)
        .counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void aRequestBeyondTheLimitIsRefusedAtOnceAndCountedByReason() throws Exception {
    CompletableFuture<List<Tensor>> running = CompletableFuture.supplyAsync(
        () -> serving.infer(model, List.of(), Set.of(), null));
    await().until(() -> limit.inFlight() == 1);

    assertThatThrownBy(() -> serving.infer(model, List.of(), Set.of(), null))
        .isInstanceOf(OverloadedException.class);
    assertThatThrownBy(() -> serving.metadata(model, null))
        .isInstanceOf(OverloadedException.class);
    assertThat(serving.ready(model)).as("readiness is never refused").isTrue();
    assertThat(rejected(Admission.IN_FLIGHT)).isEqualTo(2);
    assertThat(metrics.scrape()).contains("densemesh_admission_rejected_total{reason=\"in_flight\"}");

    release.countDown();
    running.get(10, TimeUnit.SECONDS);
    assertThat(limit.inFlight()).isZero();
    serving.metadata(model, null);
  }

  @Test
  void aRequestAdmittedEarlierByItsFrontEndIsNotCountedTwice() throws Exception {
    Admission admission = new Admission(limit, metrics::admissionRejected);
    Admission.Ticket ticket = admission.enter();

    ModelMetadata answer = Admission.admittedContext(Context.current(), ticket)
        .call(() -> serving.metadata(model, null));

    assertThat(answer.platform()).isEqualTo("fake");
    assertThat(rejected(Admission.IN_FLIGHT)).isZero();
    ticket.close();
    assertThat(limit.inFlight()).isZero();
  }
}
