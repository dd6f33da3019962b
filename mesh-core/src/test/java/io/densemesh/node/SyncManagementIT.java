package io.densemesh.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.densemesh.api.mmesh.EnsureLoadedRequest;
import io.densemesh.api.mmesh.GetStatusRequest;
import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.ModelMeshGrpc;
import io.densemesh.api.mmesh.ModelStatusInfo;
import io.densemesh.api.mmesh.ModelStatusInfo.ModelStatus;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.cli.RuntimeCommand;
import io.densemesh.runtime.LoadedModel;
import io.densemesh.runtime.ModelRuntime;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.RuntimeStatus;
import io.densemesh.runtime.onnx.OnnxModelRuntime;
import io.densemesh.runtime.onnx.gen.SampleModels;
import io.densemesh.runtimeserver.RuntimeServer;
import io.densemesh.testing.TestNode;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ModelMesh management calls with {@code sync=true} wait for a load without a thread: on a real
 * node on loopback whose gRPC pool has 4 threads, 300 concurrent {@code ensureLoaded(sync)} calls
 * for a model whose load is held open by the test all wait at once (up to the node's cap, the
 * rest refused with RESOURCE_EXHAUSTED at once), a status call is still answered meanwhile (a
 * thread per waiting call would have taken every pool thread), the thread count does not grow
 * per call, and once the load finishes every waiting call answers LOADED.
 */
class SyncManagementIT {

  static final int CALLS = 300;
  static final int CAP = 128;
  static final int F = 4;
  static final int C = 3;

  @TempDir Path dir;
  private RuntimeServer runtime;
  private TestNode node;

  /** ONNX loads that finish only when the test opens the gate. */
  static final class GatedLoads implements ModelRuntime {
    final OnnxModelRuntime onnx;
    final CountDownLatch gate = new CountDownLatch(1);
    final CountDownLatch started = new CountDownLatch(1);
    final AtomicInteger loads = new AtomicInteger();

    GatedLoads(OnnxModelRuntime onnx) {
      this.onnx = onnx;
    }

    @Override
    public boolean supports(String modelType) {
      return onnx.supports(modelType);
    }

    @Override
    public RuntimeStatus status() {
      return onnx.status();
    }

    @Override
    public LoadedModel load(ModelSpec spec, Path artifact) {
      loads.incrementAndGet();
      started.countDown();
      try {
        gate.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return onnx.load(spec, artifact);
    }

    @Override
    public long predictSize(ModelSpec spec, Path artifact) {
      return onnx.predictSize(spec, artifact);
    }

    @Override
    public void close() {
      onnx.close();
    }
  }

  @AfterEach
  void tearDown() {
    if (node != null) {
      node.close();
    }
    if (runtime != null) {
      runtime.close();
    }
  }

  @Test
  void manySyncEnsureLoadedCallsWaitWithoutAThreadEachAndAllAnswerLoaded() throws Exception {
    GatedLoads gated = new GatedLoads(new OnnxModelRuntime(1));
    runtime = RuntimeServer.start(RuntimeCommand.parse(List.of("--listen", "127.0.0.1:0",
        "--capacity", "64m", "--load-timeout", "60s")), List.of(gated), List.of());
    node = new TestNode(dir.resolve("registry"), "--remote-runtime", "onnx=" + runtime.address(),
        "--max-in-flight", String.valueOf(CAP), "--max-waiting-per-model", String.valueOf(CAP),
        "--grpc-threads", "4", "--load-timeout", "60s");
    Path model = dir.resolve("slow.onnx");
    Files.write(model, SampleModels.linearClassifier(7, F, C));
    node.mesh.registerModel(RegisterModelRequest.newBuilder().setModelId("slow")
        .setModelInfo(ModelInfo.newBuilder().setType("onnx").setPath(model.toString())).build());

    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    int threadsBefore = threads.getThreadCount();
    threads.resetPeakThreadCount();

    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", node.node.grpcPort())
        .usePlaintext().directExecutor().build();
    Map<Object, AtomicInteger> outcomes = new ConcurrentHashMap<>();
    CountDownLatch refused = new CountDownLatch(CALLS - CAP);
    CountDownLatch done = new CountDownLatch(CALLS);
    for (int i = 0; i < CALLS; i++) {
      ModelMeshGrpc.newStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS)
          .ensureLoaded(EnsureLoadedRequest.newBuilder().setModelId("slow").setSync(true)
              .build(), new StreamObserver<ModelStatusInfo>() {
                @Override
                public void onNext(ModelStatusInfo value) {
                  outcomes.computeIfAbsent(value.getStatus(), s -> new AtomicInteger())
                      .incrementAndGet();
                }

                @Override
                public void onError(Throwable t) {
                  Status.Code code = Status.fromThrowable(t).getCode();
                  outcomes.computeIfAbsent(code, c -> new AtomicInteger()).incrementAndGet();
                  done.countDown(); // first: a refusal counted is an answer counted
                  if (code == Status.Code.RESOURCE_EXHAUSTED) {
                    refused.countDown();
                  }
                }

                @Override
                public void onCompleted() {
                  done.countDown();
                }
              });
    }
    // The load is held open: the calls beyond the cap are refused at once, the others wait.
    assertThat(gated.started.await(60, TimeUnit.SECONDS)).as("the load started").isTrue();
    assertThat(refused.await(60, TimeUnit.SECONDS)).as("calls beyond the cap refused").isTrue();
    assertThat(done.getCount()).as("calls still waiting for the load").isEqualTo(CAP);
    // 128 calls wait on a pool of 4 threads, and the node still answers management calls.
    ModelStatusInfo meanwhile = ModelMeshGrpc.newBlockingStub(channel)
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .getModelStatus(GetStatusRequest.newBuilder().setModelId("slow").build());
    assertThat(meanwhile.getStatus()).isEqualTo(ModelStatus.LOADING);
    int waitingThreads = threads.getThreadCount();

    gated.gate.countDown();
    assertThat(done.await(60, TimeUnit.SECONDS)).as("every call answered").isTrue();
    int peakThreads = threads.getPeakThreadCount();
    channel.shutdownNow();
    System.out.printf("SyncManagementIT: %d sync ensureLoaded calls: %s; threads %d -> %d while"
        + " waiting, peak %d%n", CALLS, outcomes, threadsBefore, waitingThreads, peakThreads);

    assertThat(outcomes.keySet()).containsOnly(ModelStatus.LOADED,
        Status.Code.RESOURCE_EXHAUSTED);
    assertThat(outcomes.get(ModelStatus.LOADED).get()).isEqualTo(CAP);
    assertThat(outcomes.get(Status.Code.RESOURCE_EXHAUSTED).get()).isEqualTo(CALLS - CAP);
    assertThat(gated.loads.get()).as("one load for all callers").isEqualTo(1);
    assertThat(peakThreads - threadsBefore).as("threads added while calls wait")
        .isLessThan(CAP / 2);
    // Past the storm, a sync call on the loaded model answers at once with LOADED.
    assertThat(ModelMeshGrpc.newBlockingStub(node.channel).withDeadlineAfter(30, TimeUnit.SECONDS)
        .ensureLoaded(EnsureLoadedRequest.newBuilder().setModelId("slow").setSync(true).build())
        .getStatus()).isEqualTo(ModelStatus.LOADED);
  }
}
