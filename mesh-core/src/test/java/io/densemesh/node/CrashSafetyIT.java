package io.densemesh.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.densemesh.api.mmesh.GetStatusRequest;
import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.ModelStatusInfo.ModelStatus;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.api.registry.JournalEntry;
import io.densemesh.api.registry.ModelRecord;
import io.densemesh.registry.journal.JournalFormat;
import io.densemesh.registry.journal.RegistryJournal;
import io.densemesh.testing.EtcdProcess;
import io.densemesh.testing.Inference;
import io.densemesh.testing.NodeProcess;
import io.grpc.StatusRuntimeException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crashes of a real node process (SIGKILL) while clients register, and journals damaged on disk:
 * nothing acknowledged is lost, a torn last write is shed, damage that would hide acknowledged
 * entries stops the start loudly.
 */
class CrashSafetyIT {

  static final int CLIENTS = 32;

  @TempDir Path dir;

  private RegisterModelRequest registration(String id, Path model) {
    return RegisterModelRequest.newBuilder().setModelId(id)
        .setModelInfo(ModelInfo.newBuilder().setType("onnx").setPath(model.toString())).build();
  }

  /** 32 clients register distinct models until the node is killed; the acknowledged ids. */
  private List<String> registerWhileKilled(NodeProcess node, Path model) throws Exception {
    Queue<String> acknowledged = new ConcurrentLinkedQueue<>();
    AtomicBoolean running = new AtomicBoolean(true);
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    for (int c = 0; c < CLIENTS; c++) {
      int client = c;
      clients.execute(() -> {
        for (int n = 0; running.get(); n++) {
          String id = "c" + client + "-" + n;
          try {
            node.mesh.withDeadlineAfter(10, TimeUnit.SECONDS)
                .registerModel(registration(id, model));
            acknowledged.add(id);
          } catch (StatusRuntimeException e) {
            return; // the node is gone: this registration was never acknowledged
          }
        }
      });
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 400);
    node.kill();
    running.set(false);
    clients.shutdown();
    assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    return new ArrayList<>(acknowledged);
  }

  private static List<String> missing(NodeProcess node, List<String> ids) {
    return ids.stream().filter(id -> node.mesh.getModelStatus(
        GetStatusRequest.newBuilder().setModelId(id).build()).getStatus()
        == ModelStatus.NOT_FOUND).toList();
  }

  @Test
  void everyAcknowledgedRegistrationSurvivesAKillOfTheNodeWithTheEmbeddedRegistry()
      throws Exception {
    Path model = Inference.writeModel(dir.resolve("models"), 1);
    List<String> acknowledged;
    try (NodeProcess node = new NodeProcess(dir.resolve("node"))) {
      acknowledged = registerWhileKilled(node, model);
    }
    try (NodeProcess restarted = new NodeProcess(dir.resolve("node"))) {
      assertThat(missing(restarted, acknowledged)).as("lost of %d acknowledged",
          acknowledged.size()).isEmpty();
    }
  }

  @Test
  void everyAcknowledgedRegistrationSurvivesAKillOfTheNodeWithEtcd() throws Exception {
    Path model = Inference.writeModel(dir.resolve("models"), 1);
    try (EtcdProcess etcd = new EtcdProcess(dir.resolve("etcd"))) {
      List<String> acknowledged;
      try (NodeProcess node = new NodeProcess(dir.resolve("node"), etcdFlags(etcd, "a"))) {
        acknowledged = registerWhileKilled(node, model);
      }
      // Another instance: the killed one's lease lives on until its TTL; the records are in etcd.
      try (NodeProcess restarted = new NodeProcess(dir.resolve("node"), etcdFlags(etcd, "b"))) {
        assertThat(missing(restarted, acknowledged)).as("lost of %d acknowledged",
            acknowledged.size()).isEmpty();
      }
    }
  }

  private static String[] etcdFlags(EtcdProcess etcd, String instanceId) {
    return new String[] {"--instance-id", instanceId, "--etcd", etcd.endpoint(), "--etcd-prefix",
        "/densemesh/crash/", "--etcd-timeout", "30s"};
  }

  /** A node that registered m0..m4 and was then killed; its journal's path. */
  private Path journalOfFiveModels(Path model) {
    try (NodeProcess node = new NodeProcess(dir.resolve("node"))) {
      for (int i = 0; i < 5; i++) {
        node.mesh.registerModel(registration("m" + i, model));
      }
      node.kill();
    }
    return dir.resolve("node").resolve(RegistryJournal.FILE);
  }

  @Test
  void aJournalEndingInATornWriteStartsWithEverythingBeforeIt() throws Exception {
    Path model = Inference.writeModel(dir.resolve("models"), 1);
    Path journal = journalOfFiveModels(model);
    ByteBuffer next = JournalFormat.encode(JournalEntry.newBuilder()
        .setPutModel(ModelRecord.newBuilder().setModelId("torn").setPath("/x")).build());
    byte[] half = new byte[next.remaining() / 2];
    next.get(half);
    Files.write(journal, half, StandardOpenOption.APPEND);

    try (NodeProcess restarted = new NodeProcess(dir.resolve("node"))) {
      assertThat(missing(restarted, List.of("m0", "m1", "m2", "m3", "m4"))).isEmpty();
      assertThat(missing(restarted, List.of("torn"))).containsExactly("torn");
    }
  }

  @Test
  void aJournalDamagedInTheMiddleStopsTheStartNamingTheOffset() throws Exception {
    Path model = Inference.writeModel(dir.resolve("models"), 1);
    Path journal = journalOfFiveModels(model);
    byte[] bytes = Files.readAllBytes(journal);
    int middle = bytes.length / 2;
    for (int i = 0; i < 8; i++) {
      bytes[middle + i] = (byte) 0xee;
    }
    Files.write(journal, bytes);

    NodeProcess.Exit exit = NodeProcess.runUntilExit(dir.resolve("node"));
    assertThat(exit.code()).isEqualTo(1);
    assertThat(exit.output()).contains(journal.toString()).containsPattern("offset \\d+")
        .contains("truncate -s");
    assertThat(Files.readAllBytes(journal)).as("left as it was for recovery").isEqualTo(bytes);
  }

  @Test
  void aSecondNodeOnTheSameDataDirectoryIsRefused() {
    try (NodeProcess first = new NodeProcess(dir.resolve("node"))) {
      NodeProcess.Exit second = NodeProcess.runUntilExit(dir.resolve("node"));
      assertThat(second.code()).isEqualTo(1);
      assertThat(second.output()).contains("in use by another node");
    }
  }
}
