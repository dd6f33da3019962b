package io.densemesh.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.densemesh.api.admin.MeshAdminGrpc;
import io.densemesh.api.admin.SetModelPolicyRequest;
import io.densemesh.api.inference.GRPCInferenceServiceGrpc;
import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.api.inference.ModelStreamInferResponse;
import io.densemesh.testing.EtcdProcess;
import io.densemesh.testing.Inference;
import io.densemesh.testing.TestNode;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Triton's ModelStreamInfer over real gRPC: per-message routing, errors and answers. */
class StreamingInferenceIT {

  @TempDir Path dir;

  /** Everything one stream answered, by request id, once the server completed it. */
  static Map<String, ModelStreamInferResponse> stream(TestNode via,
      List<ModelInferRequest> requests) throws InterruptedException {
    Map<String, ModelStreamInferResponse> answers = new ConcurrentHashMap<>();
    CountDownLatch done = new CountDownLatch(1);
    AtomicReference<Throwable> failed = new AtomicReference<>();
    StreamObserver<ModelInferRequest> out = GRPCInferenceServiceGrpc.newStub(via.channel)
        .withDeadlineAfter(60, TimeUnit.SECONDS)
        .modelStreamInfer(new StreamObserver<>() {
          @Override
          public void onNext(ModelStreamInferResponse r) {
            answers.put(r.getInferResponse().getId(), r);
          }

          @Override
          public void onError(Throwable t) {
            failed.set(t);
            done.countDown();
          }

          @Override
          public void onCompleted() {
            done.countDown();
          }
        });
    requests.forEach(out::onNext);
    out.onCompleted();
    assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
    assertThat(failed.get()).as("the stream itself never fails").isNull();
    return answers;
  }

  static ModelInferRequest request(String model, long seed, String id) {
    return Inference.request(model, Inference.row(seed)).toBuilder().setId(id).build();
  }

  @Test
  void everyMessageIsAnsweredAndAnErrorNeverEndsTheStream() throws Exception {
    try (TestNode node = new TestNode(dir.resolve("registry"))) {
      node.register("a", Inference.writeModel(dir.resolve("models"), 1));
      node.register("b", Inference.writeModel(dir.resolve("models"), 2));
      List<ModelInferRequest> requests = new java.util.ArrayList<>();
      for (int i = 0; i < 600; i++) {
        switch (i % 4) {
          case 0 -> requests.add(request("a", 1, "r" + i));
          case 1 -> requests.add(request("b", 2, "r" + i));
          case 2 -> requests.add(request("missing", 1, "r" + i));
          default -> requests.add(request("a", 1, "r" + i).toBuilder().clearInputs()
              .clearRawInputContents().build());
        }
      }

      Map<String, ModelStreamInferResponse> answers = stream(node, requests);

      assertThat(answers).hasSize(600);
      for (int i = 0; i < 600; i++) {
        ModelStreamInferResponse r = answers.get("r" + i);
        switch (i % 4) {
          case 0 -> assertThat(Inference.answeredBy(r.getInferResponse(), 1, Inference.row(1)))
              .isTrue();
          case 1 -> assertThat(Inference.answeredBy(r.getInferResponse(), 2, Inference.row(2)))
              .isTrue();
          case 2 -> assertThat(r.getErrorMessage()).contains("missing");
          default -> assertThat(r.getErrorMessage()).isNotEmpty();
        }
        if (i % 4 < 2) {
          assertThat(r.getErrorMessage()).isEmpty();
        }
      }
    }
  }

  @Test
  void aStreamCarriesRequestsForAModelHeldOnAnotherNode() throws Exception {
    try (EtcdProcess etcd = new EtcdProcess(dir.resolve("etcd"))) {
      String[] flags = {"--etcd", etcd.endpoint(), "--etcd-prefix", "/densemesh/stream/",
          "--lease-ttl", "3s", "--capacity", "1g", "--etcd-timeout", "15s"};
      try (TestNode a = new TestNode(dir.resolve("a"), TestNode.flags(flags, "--instance-id", "a"));
          TestNode b = new TestNode(dir.resolve("b"),
              TestNode.flags(flags, "--instance-id", "b"))) {
        await().atMost(Duration.ofSeconds(10))
            .until(() -> a.node.registry().view().instances().size() == 2);
        b.register("held", Inference.writeModel(dir.resolve("models"), 3));
        MeshAdminGrpc.newBlockingStub(b.channel).setModelPolicy(SetModelPolicyRequest
            .newBuilder().setModelId("held").setMinCopies(1).setMaxCopies(1).build());
        b.inference.modelInfer(Inference.request("held", Inference.row(3)));
        await().atMost(Duration.ofSeconds(10)).until(() -> !a.node.registry().view()
            .copiesOf("held").isEmpty() && !b.node.registry().view().copiesOf("held").isEmpty());
        String holder = a.node.registry().view().copiesOf("held").keySet().iterator().next();
        TestNode other = holder.equals("a") ? b : a;

        List<ModelInferRequest> requests = new java.util.ArrayList<>();
        for (int i = 0; i < 200; i++) {
          requests.add(request("held", 3, "h" + i));
        }
        Map<String, ModelStreamInferResponse> answers = stream(other, requests);

        assertThat(answers).hasSize(200);
        assertThat(answers.values()).allSatisfy(r -> {
          assertThat(r.getErrorMessage()).isEmpty();
          assertThat(Inference.answeredBy(r.getInferResponse(), 3, Inference.row(3))).isTrue();
        });
        assertThat(other.node.registry().view().copiesOf("held")).containsOnlyKeys(holder);
        assertThat(other.scrapeMetrics())
            .containsPattern("densemesh_forwards_total\\{result=\"ok\"\\} [1-9]");
      }
    }
  }
}
