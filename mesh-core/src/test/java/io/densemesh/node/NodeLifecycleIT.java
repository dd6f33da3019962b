package io.densemesh.node;

import static io.densemesh.node.NodeIT.assertLogits;
import static io.densemesh.node.NodeIT.rawRequest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.densemesh.api.mmesh.DeleteVModelRequest;
import io.densemesh.api.mmesh.GetStatusRequest;
import io.densemesh.api.mmesh.GetVModelStatusRequest;
import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.ModelStatusInfo.ModelStatus;
import io.densemesh.api.mmesh.SetVModelRequest;
import io.densemesh.api.mmesh.UnregisterModelRequest;
import io.densemesh.api.mmesh.VModelStatusInfo.VModelStatus;
import io.densemesh.runtime.onnx.gen.SampleModels;
import io.densemesh.testing.TestNode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Eviction under a tight budget, vmodel transitions and restart persistence, on real nodes. */
class NodeLifecycleIT {

  @TempDir Path dir;

  private Path model(int seed) throws Exception {
    Path file = dir.resolve("m" + seed + ".onnx");
    if (!Files.exists(file)) {
      Files.write(file, SampleModels.linearClassifier(seed, NodeIT.F, NodeIT.C));
    }
    return file;
  }

  private static long counter(String metrics, String name) {
    return metrics.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
        .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  @Test
  void evictsUnderATightBudgetAndReloadsOnDemand() throws Exception {
    int features = 256;
    int classes = 128; // 128 KiB of weights per model: 64 models cannot all fit in 4 MiB
    int models = 64;
    // Loaded sizes are measured (resident-set growth, kept within [file, 3 x file + 2 MiB]); the
    // budget leaves room for that measurement's noise on a single model.
    try (TestNode node = new TestNode(dir.resolve("reg"), "--capacity", "4m")) {
      for (int i = 0; i < models; i++) {
        Path file = Files.write(dir.resolve("big" + i + ".onnx"),
            SampleModels.linearClassifier(1000 + i, features, classes));
        node.register("t" + i, file);
      }
      SplittableRandom random = new SplittableRandom(3);
      for (int round = 0; round < 2; round++) {
        for (int i = 0; i < models; i++) {
          float[] row = new float[features];
          for (int f = 0; f < features; f++) {
            row[f] = (float) random.nextDouble();
          }
          var response = node.inference.modelInfer(rawRequest("t" + i, row));
          float[] expected = SampleModels.expectedLogits(1000 + i, features, classes, row);
          float[] actual = NodeIT.floats(response.getRawOutputContents(0));
          assertThat(actual).hasSize(classes);
          for (int c = 0; c < classes; c++) {
            assertThat(actual[c]).isCloseTo(expected[c], within(1e-3f));
          }
        }
      }
      String metrics = node.scrapeMetrics();
      assertThat(counter(metrics, "densemesh_evictions_total")).isPositive();
      assertThat(counter(metrics, "densemesh_model_loads_total")).isGreaterThan(models);
      assertThat(node.node.cache().usedBytes()).isLessThanOrEqualTo(4L << 20);
      assertThat(node.node.cache().loadedCount()).isLessThan(models);
    }
  }

  @Test
  void vmodelMovesToItsNewTargetOnceLoadedAndDropsTheOldAutoDeleteModel() throws Exception {
    try (TestNode node = new TestNode(dir.resolve("reg"))) {
      float[] row = {1f, 0.5f, -0.5f, 2f};
      var first = node.mesh.setVModel(SetVModelRequest.newBuilder().setVModelId("svc")
          .setTargetModelId("svc__v1").setOwner("isvc")
          .setModelInfo(ModelInfo.newBuilder().setType("onnx").setPath(model(101).toString()))
          .setAutoDeleteTargetModel(true).setLoadNow(true).setSync(true).build());
      assertThat(first.getStatus()).isEqualTo(VModelStatus.DEFINED);
      assertThat(first.getActiveModelId()).isEqualTo("svc__v1");
      assertLogits(node.inference.modelInfer(rawRequest("svc", row)), 101, row);

      assertThatThrownBy(() -> node.mesh.unregisterModel(
          UnregisterModelRequest.newBuilder().setModelId("svc__v1").build()))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(
              e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));

      node.mesh.setVModel(SetVModelRequest.newBuilder().setVModelId("svc")
          .setTargetModelId("svc__v2").setOwner("isvc")
          .setModelInfo(ModelInfo.newBuilder().setType("onnx").setPath(model(202).toString()))
          .setAutoDeleteTargetModel(true).build());
      await().atMost(Duration.ofSeconds(20)).until(() -> node.mesh.getVModelStatus(
          GetVModelStatusRequest.newBuilder().setVModelId("svc").build()).getStatus()
          == VModelStatus.DEFINED);
      var settled = node.mesh.getVModelStatus(
          GetVModelStatusRequest.newBuilder().setVModelId("svc").build());
      assertThat(settled.getActiveModelId()).isEqualTo("svc__v2");
      assertThat(settled.getOwner()).isEqualTo("isvc");
      assertLogits(node.inference.modelInfer(rawRequest("svc", row)), 202, row);
      assertThat(node.mesh.getModelStatus(GetStatusRequest.newBuilder().setModelId("svc__v1")
          .build()).getStatus()).isEqualTo(ModelStatus.NOT_FOUND);

      assertThatThrownBy(() -> node.mesh.setVModel(SetVModelRequest.newBuilder()
          .setVModelId("svc").setTargetModelId("svc__v2").setOwner("someone-else").build()))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(
              e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS));

      node.mesh.deleteVModel(DeleteVModelRequest.newBuilder().setVModelId("svc").build());
      assertThat(node.mesh.getVModelStatus(GetVModelStatusRequest.newBuilder()
          .setVModelId("svc").build()).getStatus()).isEqualTo(VModelStatus.NOT_FOUND);
      assertThat(node.mesh.getModelStatus(GetStatusRequest.newBuilder().setModelId("svc__v2")
          .build()).getStatus()).isEqualTo(ModelStatus.NOT_FOUND);
    }
  }

  @Test
  void registrationsSurviveARestart() throws Exception {
    Path registry = dir.resolve("reg");
    try (TestNode node = new TestNode(registry)) {
      for (int i = 0; i < 5; i++) {
        node.register("keep" + i, model(300 + i));
      }
      node.mesh.setVModel(SetVModelRequest.newBuilder().setVModelId("alias")
          .setTargetModelId("keep2").build());
      node.mesh.unregisterModel(UnregisterModelRequest.newBuilder().setModelId("keep4").build());
    }
    try (TestNode node = new TestNode(registry)) {
      for (int i = 0; i < 4; i++) {
        assertThat(node.mesh.getModelStatus(GetStatusRequest.newBuilder().setModelId("keep" + i)
            .build()).getStatus()).isEqualTo(ModelStatus.NOT_LOADED);
      }
      assertThat(node.mesh.getModelStatus(GetStatusRequest.newBuilder().setModelId("keep4")
          .build()).getStatus()).isEqualTo(ModelStatus.NOT_FOUND);
      float[] row = {1f, 2f, 3f, 4f};
      assertLogits(node.inference.modelInfer(rawRequest("alias", row)), 302, row);
    }
  }
}
