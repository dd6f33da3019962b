package io.densemesh.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.densemesh.api.admin.GetVModelRoutesRequest;
import io.densemesh.api.admin.Route;
import io.densemesh.api.admin.SetVModelRoutesRequest;
import io.densemesh.api.admin.VModelRoutes;
import io.densemesh.api.admin.VModelRoutingGrpc;
import io.densemesh.api.inference.GRPCInferenceServiceGrpc;
import io.densemesh.api.inference.ModelInferResponse;
import io.densemesh.testing.EtcdProcess;
import io.densemesh.testing.Inference;
import io.densemesh.testing.NodeProcess;
import io.densemesh.testing.TestNode;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * vmodel traffic splits over real gRPC and ONNX Runtime: every answer is checked against the
 * answering model's own reference output, so the split is measured by who answered.
 */
class VModelSplitIT {

  static final long STABLE = 1;
  static final long CANARY = 2;
  static final float[] ROW = {1f, -2f, 0.5f, 3f};

  @TempDir Path dir;

  static Route serving(String id, int weight) {
    return Route.newBuilder().setModelId(id).setWeight(weight).build();
  }

  /** Which model answered: STABLE, CANARY, or -1 for a wrong answer. */
  static long answeredBy(ModelInferResponse r) {
    return Inference.answeredBy(r, STABLE, ROW) ? STABLE
        : Inference.answeredBy(r, CANARY, ROW) ? CANARY : -1;
  }

  /** Sends {@code n} requests for "v" through {@code stub} (8 at a time); counts who answered. */
  static Map<Long, Integer> send(GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub,
      int n) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Long>> answers = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        answers.add(pool.submit(() -> answeredBy(stub.withDeadlineAfter(30, TimeUnit.SECONDS)
            .modelInfer(Inference.request("v", ROW)))));
      }
      Map<Long, Integer> seen = new HashMap<>();
      for (Future<Long> f : answers) {
        seen.merge(f.get(), 1, Integer::sum);
      }
      return seen;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aNinetyTenSplitLandsWithinTwoPercentKeysStickAndAFailingShadowNeverFailsAClient()
      throws Exception {
    try (TestNode node = new TestNode(dir.resolve("registry"), "--load-timeout", "20s")) {
      node.register("stable", Inference.writeModel(dir.resolve("models"), STABLE));
      node.register("canary", Inference.writeModel(dir.resolve("models"), CANARY));
      Path broken = Files.writeString(dir.resolve("models").resolve("broken.onnx"), "not onnx");
      node.register("broken", broken);
      VModelRoutingGrpc.VModelRoutingBlockingStub routing =
          VModelRoutingGrpc.newBlockingStub(node.channel);
      routing.setVModelRoutes(SetVModelRoutesRequest.newBuilder().setVmodelId("v")
          .setOwner("team").addRoutes(serving("stable", 90)).addRoutes(serving("canary", 10))
          .addRoutes(Route.newBuilder().setModelId("broken").setShadow(true)
              .setShadowPercent(100))
          .build());

      Map<Long, Integer> seen = send(node.inference, 10_000);

      assertThat(seen).as("who answered (-1: a wrong answer)").doesNotContainKey(-1L);
      assertThat(seen.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(10_000);
      assertThat(seen.getOrDefault(CANARY, 0) / 10_000.0).isBetween(0.08, 0.12);

      VModelRoutes routes = routing.getVModelRoutes(GetVModelRoutesRequest.newBuilder()
          .setVmodelId("v").build());
      assertThat(routes.getRoutes(0).getRequests() + routes.getRoutes(1).getRequests())
          .isEqualTo(10_000);
      assertThat(routes.getRoutes(0).getErrors() + routes.getRoutes(1).getErrors()).isZero();
      await().atMost(Duration.ofSeconds(30)).until(() -> routing.getVModelRoutes(
          GetVModelRoutesRequest.newBuilder().setVmodelId("v").build()).getRoutes(2)
          .getErrors() > 0);
      assertThat(node.scrapeMetrics())
          .contains("densemesh_vmodel_routed_total{outcome=\"error\",route=\"shadow\"}");

      // Sticky keys: the same end user always gets the same model.
      for (int user = 0; user < 200; user++) {
        Metadata key = new Metadata();
        key.put(Metadata.Key.of("mm-split-key", Metadata.ASCII_STRING_MARSHALLER),
            "user-" + user);
        var stub = node.inference.withInterceptors(
            MetadataUtils.newAttachHeadersInterceptor(key));
        long first = answeredBy(stub.modelInfer(Inference.request("v", ROW)));
        for (int again = 0; again < 4; again++) {
          assertThat(answeredBy(stub.modelInfer(Inference.request("v", ROW))))
              .as("user-%d", user).isEqualTo(first);
        }
      }
    }
  }

  @Test
  void aSplitKeepsServingAfterTheNodeHoldingItsModelsIsKilled() throws Exception {
    try (EtcdProcess etcd = new EtcdProcess(dir.resolve("etcd"))) {
      String[] flags = {"--etcd", etcd.endpoint(), "--etcd-prefix", "/densemesh/split/",
          "--lease-ttl", "3s", "--capacity", "1g", "--etcd-timeout", "15s",
          "--load-timeout", "20s"};
      // a is the entry point and never holds an ONNX model (its only format is another one),
      // so every answer comes from b or c, and killing a holder forces the split to move.
      try (TestNode a = new TestNode(dir.resolve("a"), TestNode.flags(flags, "--instance-id", "a",
              "--labels", "format:other"));
          NodeProcess b = new NodeProcess(dir.resolve("b"),
              TestNode.flags(flags, "--instance-id", "b",
              "--model-roots", dir.toString()));
          NodeProcess c = new NodeProcess(dir.resolve("c"),
              TestNode.flags(flags, "--instance-id", "c",
              "--model-roots", dir.toString()))) {
        await().atMost(Duration.ofSeconds(20))
            .until(() -> a.node.registry().view().instances().size() == 3);
        a.register("stable", Inference.writeModel(dir.resolve("models"), STABLE));
        a.register("canary", Inference.writeModel(dir.resolve("models"), CANARY));
        VModelRoutingGrpc.newBlockingStub(a.channel).setVModelRoutes(
            SetVModelRoutesRequest.newBuilder().setVmodelId("v").setOwner("team")
                .addRoutes(serving("stable", 90)).addRoutes(serving("canary", 10)).build());
        assertThat(send(a.inference, 200)).doesNotContainKey(-1L);
        await().atMost(Duration.ofSeconds(10)).until(() -> !a.node.registry().view()
            .loadedOn("stable").isEmpty());
        String holder = a.node.registry().view().loadedOn("stable").get(0);

        (holder.equals("b") ? b : c).kill();
        // Once the mesh has noticed (the lease expires), the split answers from the survivor.
        await().atMost(Duration.ofSeconds(30))
            .until(() -> !a.node.registry().view().instances().containsKey(holder));
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
            .ignoreExceptions().until(() -> send(a.inference, 50).getOrDefault(-1L, 0) == 0);

        Map<Long, Integer> seen = send(a.inference, 2_000);
        assertThat(seen).doesNotContainKey(-1L);
        assertThat(seen.getOrDefault(CANARY, 0) / 2_000.0).isBetween(0.07, 0.13);
        assertThat(a.node.registry().view().loadedOn("stable")).doesNotContain(holder);
      }
    }
  }
}
