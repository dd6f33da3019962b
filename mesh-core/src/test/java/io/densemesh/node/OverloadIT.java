package io.densemesh.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.densemesh.cli.RuntimeCommand;
import io.densemesh.api.inference.GRPCInferenceServiceGrpc;
import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.api.inference.ModelInferResponse;
import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.RegisterModelRequest;
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
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Overload on a real node on loopback: 10,000 concurrent gRPC calls to a model whose load takes
 * about 2 s (a remote runtime server whose loads are slow). The node must stay up, answer its
 * probes within 1 s (never 3 misses in a row, the kubelet's restart rule), and answer every call
 * either with the model's output or with RESOURCE_EXHAUSTED that does not wait for the load; its
 * threads and heap stay bounded. Latencies are printed (they depend on the machine), not asserted.
 */
class OverloadIT {

  static final int CALLS = 10_000;
  static final Duration LOAD_TIME = Duration.ofSeconds(2);
  static final int F = 4;
  static final int C = 3;

  @TempDir Path dir;
  private RuntimeServer runtime;
  private TestNode node;

  /** ONNX loads that take {@link #LOAD_TIME}, like a large model on a slow model server. */
  static final class SlowLoads implements ModelRuntime {
    final OnnxModelRuntime onnx;
    final AtomicInteger loads = new AtomicInteger();
    /** When the (first) load finished, System.nanoTime. */
    final AtomicLong loadedAt = new AtomicLong(Long.MAX_VALUE);

    SlowLoads(OnnxModelRuntime onnx) {
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
      try {
        Thread.sleep(LOAD_TIME.toMillis()); // the simulated load time, not a wait for a condition
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      LoadedModel loaded = onnx.load(spec, artifact);
      loadedAt.compareAndSet(Long.MAX_VALUE, System.nanoTime());
      return loaded;
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

  private static ModelInferRequest request() {
    ByteBuffer raw = ByteBuffer.allocate(4 * F).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < F; i++) {
      raw.putFloat(i * 0.5f);
    }
    return ModelInferRequest.newBuilder().setModelName("slow")
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input")
            .setDatatype("FP32").addShape(1).addShape(F))
        .addRawInputContents(ByteString.copyFrom(raw.flip()))
        .build();
  }

  @Test
  void tenThousandCallsToALoadingModelAreServedOrRefusedQuicklyAndProbesKeepAnswering()
      throws Exception {
    SlowLoads slow = new SlowLoads(new OnnxModelRuntime(1));
    runtime = RuntimeServer.start(RuntimeCommand.parse(List.of("--listen", "127.0.0.1:0",
        "--capacity", "64m", "--load-timeout", "30s")), List.of(slow), List.of());
    node = new TestNode(dir.resolve("registry"), "--remote-runtime", "onnx=" + runtime.address(),
        "--max-in-flight", "512", "--max-waiting-per-model", "256", "--grpc-threads", "8");
    Path model = dir.resolve("slow.onnx");
    Files.write(model, SampleModels.linearClassifier(7, F, C));
    node.mesh.registerModel(RegisterModelRequest.newBuilder().setModelId("slow")
        .setModelInfo(ModelInfo.newBuilder().setType("onnx").setPath(model.toString())).build());

    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    System.gc();
    int threadsBefore = threads.getThreadCount();
    long heapBefore = memory.getHeapMemoryUsage().getUsed();
    threads.resetPeakThreadCount();

    // Probes: REST liveness and gRPC health, every 50 ms from their own clients.
    AtomicBoolean probing = new AtomicBoolean(true);
    AtomicLong slowestLive = new AtomicLong();
    AtomicLong slowestHealth = new AtomicLong();
    AtomicInteger probeFailures = new AtomicInteger();
    AtomicInteger probes = new AtomicInteger();
    // The probe's client has its own event loop, as the kubelet's would be its own process.
    io.netty.channel.nio.NioEventLoopGroup probeLoop = new io.netty.channel.nio.NioEventLoopGroup(1);
    ManagedChannel healthChannel = NettyChannelBuilder.forAddress("127.0.0.1",
        node.node.grpcPort()).usePlaintext().eventLoopGroup(probeLoop)
        .channelType(io.netty.channel.socket.nio.NioSocketChannel.class).build();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    // A probe fails when it gets no 200 / SERVING at all (refused, an error, or nothing within
    // 10 s). The kubelet's 1 s timeout is a latency goal: the slowest probes are printed and
    // recorded in docs/performance.md, never asserted (a shared CI machine's scheduling would
    // decide such an assertion, not the node). 3 failures in a row would restart the pod.
    AtomicInteger failedInARow = new AtomicInteger();
    AtomicInteger longestFailureRun = new AtomicInteger();
    Thread prober = new Thread(() -> {
      while (probing.get()) {
        boolean ok = true;
        long t0 = System.nanoTime();
        try {
          HttpResponse<String> live = http.send(HttpRequest.newBuilder(URI.create(
                  "http://127.0.0.1:" + node.node.restPort() + "/v2/health/live"))
              .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
          ok = live.statusCode() == 200;
        } catch (Exception e) {
          ok = false;
        }
        long t1 = System.nanoTime();
        slowestLive.accumulateAndGet(t1 - t0, Math::max);
        try {
          ok &= HealthGrpc.newBlockingStub(healthChannel).withDeadlineAfter(10, TimeUnit.SECONDS)
              .check(HealthCheckRequest.getDefaultInstance()).getStatus()
              == io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING;
        } catch (RuntimeException e) {
          ok = false;
        }
        slowestHealth.accumulateAndGet(System.nanoTime() - t1, Math::max);
        probes.incrementAndGet();
        if (ok) {
          failedInARow.set(0);
        } else {
          probeFailures.incrementAndGet();
          longestFailureRun.accumulateAndGet(failedInARow.incrementAndGet(), Math::max);
        }
        try {
          Thread.sleep(50); // probe cadence
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "probe");
    prober.start();

    // 10,000 calls at once over a few connections, answered on the transport threads.
    List<ManagedChannel> channels = java.util.stream.IntStream.range(0, 4)
        .mapToObj(i -> NettyChannelBuilder.forAddress("127.0.0.1",
            node.node.grpcPort()).usePlaintext().directExecutor().build()).toList();
    Map<Status.Code, AtomicInteger> outcomes = new ConcurrentHashMap<>();
    AtomicLong slowestRefusal = new AtomicLong();
    long[] refusalNanos = new long[CALLS];
    long[] refusedAt = new long[CALLS];
    AtomicInteger refusals = new AtomicInteger();
    AtomicLong slowestSuccess = new AtomicLong();
    CountDownLatch done = new CountDownLatch(CALLS);
    ModelInferRequest request = request();
    long start = System.nanoTime();
    for (int i = 0; i < CALLS; i++) {
      long issued = System.nanoTime();
      GRPCInferenceServiceGrpc.newStub(channels.get(i % channels.size()))
          .withDeadlineAfter(30, TimeUnit.SECONDS)
          .modelInfer(request, new io.grpc.stub.StreamObserver<ModelInferResponse>() {
            @Override
            public void onNext(ModelInferResponse value) {}

            @Override
            public void onError(Throwable t) {
              Status.Code code = Status.fromThrowable(t).getCode();
              outcomes.computeIfAbsent(code, c -> new AtomicInteger()).incrementAndGet();
              if (code == Status.Code.RESOURCE_EXHAUSTED) {
                long now = System.nanoTime();
                slowestRefusal.accumulateAndGet(now - issued, Math::max);
                int n = refusals.getAndIncrement();
                refusalNanos[n] = now - issued;
                refusedAt[n] = now;
              }
              done.countDown();
            }

            @Override
            public void onCompleted() {
              outcomes.computeIfAbsent(Status.Code.OK, c -> new AtomicInteger())
                  .incrementAndGet();
              slowestSuccess.accumulateAndGet(System.nanoTime() - issued, Math::max);
              done.countDown();
            }
          });
    }
    assertThat(done.await(60, TimeUnit.SECONDS)).as("every call answered").isTrue();
    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    probing.set(false);
    prober.join(5_000);
    int peakThreads = threads.getPeakThreadCount();
    System.gc();
    long heapAfter = memory.getHeapMemoryUsage().getUsed();
    channels.forEach(ManagedChannel::shutdownNow);
    healthChannel.shutdownNow();
    probeLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    // Inside the node: from the call's start to its refusal, no refusal waited for the load.
    double slowestRefusalInNode = node.node.metrics().registry()
        .find("grpc.server.processing.duration").tag("statusCode", "RESOURCE_EXHAUSTED")
        .timers().stream().mapToDouble(t -> t.max(TimeUnit.MILLISECONDS)).max().orElse(-1);
    System.out.printf("OverloadIT: slowest refusal inside the node %.0f ms%n",
        slowestRefusalInNode);

    long refusedBeforeTheLoadFinished = java.util.Arrays.stream(refusedAt, 0, refusals.get())
        .filter(t -> t < slow.loadedAt.get()).count();
    long[] refused = java.util.Arrays.copyOf(refusalNanos, refusals.get());
    java.util.Arrays.sort(refused);
    long medianRefusal = refused.length == 0 ? 0 : refused[refused.length / 2];
    long p99Refusal = refused.length == 0 ? 0 : refused[(int) (refused.length * 0.99)];
    System.out.printf("OverloadIT: refusals p50 %d ms, p99 %d ms, %d of them before the load"
            + " finished%n", TimeUnit.NANOSECONDS.toMillis(medianRefusal),
        TimeUnit.NANOSECONDS.toMillis(p99Refusal), refusedBeforeTheLoadFinished);
    System.out.printf("OverloadIT: %d calls in %d ms: %s; slowest refusal %d ms, slowest success"
            + " %d ms; probes %d (%d late), slowest live %d ms, slowest health %d ms; threads %d -> peak %d;"
            + " heap %d MB -> %d MB%n", CALLS, elapsedMillis, outcomes,
        TimeUnit.NANOSECONDS.toMillis(slowestRefusal.get()),
        TimeUnit.NANOSECONDS.toMillis(slowestSuccess.get()), probes.get(), probeFailures.get(),
        TimeUnit.NANOSECONDS.toMillis(slowestLive.get()),
        TimeUnit.NANOSECONDS.toMillis(slowestHealth.get()), threadsBefore, peakThreads,
        heapBefore >> 20, heapAfter >> 20);

    // Every call: the model's answer or a refusal, nothing else.
    assertThat(outcomes.keySet()).containsOnly(Status.Code.OK, Status.Code.RESOURCE_EXHAUSTED);
    assertThat(outcomes.get(Status.Code.OK).get()).as("the waiters the node admitted are served")
        .isGreaterThanOrEqualTo(1);
    assertThat(outcomes.get(Status.Code.RESOURCE_EXHAUSTED).get()).isPositive();
    assertThat(slow.loads.get()).as("one load for all callers").isEqualTo(1);
    // Refusals do not wait for the load: many arrive while it still runs. (How fast they come
    // depends on the machine: the figures are printed, not asserted; see docs/operations.md.)
    assertThat(refusedBeforeTheLoadFinished).as("refusals before the load finished")
        .isPositive();
    assertThat(slowestRefusalInNode).isPositive();
    // Probes kept answering: never 3 failures in a row (the kubelet would restart the pod), and
    // the node is still up. How fast they answered is printed, not asserted.
    assertThat(probes.get()).isGreaterThanOrEqualTo(3);
    assertThat(longestFailureRun.get()).as("probes missed in a row").isLessThan(3);
    assertThat(node.get("/v2/health/live").statusCode()).isEqualTo(200);
    // Bounded: no thread per waiting call, no heap per waiting call.
    assertThat(peakThreads - threadsBefore).as("threads added under load").isLessThan(200);
    assertThat(heapAfter - heapBefore).as("heap retained after the storm")
        .isLessThan(256L << 20);
  }
}
