package io.densemesh.perf.latency;

import ai.djl.engine.Engine;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import io.densemesh.api.inference.GRPCInferenceServiceGrpc;
import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.ModelMeshGrpc;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.config.ConfigParser;
import io.densemesh.node.MeshNode;
import io.densemesh.runtime.onnx.gen.SampleModels;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Usage: {@code ./densemesh bench [--seconds 5] [--warmup 2] [--concurrency 1,8,32]}.
 *
 * <p>Closed-loop clients, each sending its next request when the previous answer arrived;
 * latency in microseconds from HdrHistogram. The client runs in the same JVM as the servers (one
 * 2-core machine), which is the same for (b) and (c), so the ratios compare like with like.
 */
public final class LatencyBenchmark {

  private static final int FEATURES = 16;
  private static final int CLASSES = 8;

  interface Call {
    void run() throws Exception;
  }

  record Result(String target, int concurrency, double p50, double p99, double throughput) {}

  public static void main(String[] args) throws Exception {
    int seconds = 5;
    int warmup = 2;
    int[] concurrency = {1, 8, 32};
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
        case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
        case "--concurrency" -> concurrency = java.util.Arrays.stream(args[i + 1].split(","))
            .mapToInt(Integer::parseInt).toArray();
        default -> {
          System.err.println("unknown option " + args[i]);
          System.exit(2);
        }
      }
    }
    Path dir = Files.createTempDirectory("densemesh-bench");
    Path model = Files.write(dir.resolve("bench.onnx"),
        SampleModels.linearClassifier(1, FEATURES, CLASSES));
    float[] row = new float[FEATURES];
    for (int i = 0; i < FEATURES; i++) {
      row[i] = i / 10f;
    }
    ByteBuffer raw = ByteBuffer.allocate(FEATURES * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : row) {
      raw.putFloat(v);
    }
    ModelInferRequest request = ModelInferRequest.newBuilder().setModelName("bench")
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input")
            .setDatatype("FP32").addShape(1).addShape(FEATURES))
        .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("logits"))
        .addRawInputContents(ByteString.copyFrom(raw.array())).build();

    Engine.getEngine("OnnxRuntime");
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(1);
    OrtSession session = env.createSession(model.toString(), options);

    List<Result> results = new ArrayList<>();
    // (a) plain OrtSession in-process
    for (int c : concurrency) {
      results.add(measure("a: OrtSession in-process", c, warmup, seconds, () -> {
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(row),
            new long[] {1, FEATURES}); OrtSession.Result r = session.run(Map.of("input", t))) {
          r.get(0);
        }
      }));
    }
    // (b) bare grpc-java server calling ORT directly
    try (BareGrpcServer bare = new BareGrpcServer(env, session)) {
      ManagedChannel ch = channel(bare.port());
      var stub = GRPCInferenceServiceGrpc.newBlockingStub(ch);
      for (int c : concurrency) {
        results.add(measure("b: bare grpc-java + ORT", c, warmup, seconds,
            () -> stub.modelInfer(request)));
      }
      ch.shutdownNow();
    }
    // (c) DenseMesh node, local hit
    MeshNode node = MeshNode.start(ConfigParser.parse(List.of("--host", "127.0.0.1",
        "--grpc-port", "0", "--rest-port", "0", "--metrics-port", "0", "--internal-port", "0",
        "--data-dir", dir.resolve("registry").toString(), "--model-roots", dir.toString()),
        Map.of()), Clock.systemUTC());
    try {
      ManagedChannel ch = channel(node.grpcPort());
      ModelMeshGrpc.newBlockingStub(ch).registerModel(RegisterModelRequest.newBuilder()
          .setModelId("bench").setLoadNow(true).setSync(true)
          .setModelInfo(ModelInfo.newBuilder().setType("onnx").setPath(model.toString()))
          .build());
      var stub = GRPCInferenceServiceGrpc.newBlockingStub(ch);
      for (int c : concurrency) {
        results.add(measure("c: DenseMesh node (hit)", c, warmup, seconds,
            () -> stub.modelInfer(request)));
      }
      ch.shutdownNow();
    } finally {
      node.close();
    }
    report(results, concurrency);
  }

  private static ManagedChannel channel(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  static Result measure(String target, int concurrency, int warmup, int seconds,
      Call call) throws Exception {
    Recorder recorder = new Recorder(3);
    LongAdder done = new LongAdder();
    long warmEnd = System.nanoTime() + warmup * 1_000_000_000L;
    long end = warmEnd + seconds * 1_000_000_000L;
    CountDownLatch finished = new CountDownLatch(concurrency);
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < concurrency; t++) {
      Thread thread = new Thread(() -> {
        try {
          while (true) {
            long t0 = System.nanoTime();
            if (t0 >= end) {
              break;
            }
            call.run();
            long t1 = System.nanoTime();
            if (t0 >= warmEnd) {
              recorder.recordValue((t1 - t0) / 1000);
              done.increment();
            }
          }
        } catch (Throwable e) {
          failures.add(e);
        } finally {
          finished.countDown();
        }
      });
      thread.setDaemon(true);
      thread.start();
    }
    finished.await();
    if (!failures.isEmpty()) {
      throw new IllegalStateException(target + " failed", failures.get(0));
    }
    Histogram h = recorder.getIntervalHistogram();
    Result r = new Result(target, concurrency, h.getValueAtPercentile(50),
        h.getValueAtPercentile(99), done.sum() / (double) seconds);
    System.err.printf(Locale.ROOT, "%-26s c=%-3d p50 %7.1f us  p99 %7.1f us  %9.0f req/s%n",
        target, concurrency, r.p50, r.p99, r.throughput);
    return r;
  }

  private static void report(List<Result> results, int[] concurrency) {
    System.out.println();
    System.out.println("| target | concurrency | p50 (µs) | p99 (µs) | throughput (req/s) |");
    System.out.println("|---|---:|---:|---:|---:|");
    for (Result r : results) {
      System.out.printf(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.0f |%n", r.target,
          r.concurrency, r.p50, r.p99, r.throughput);
    }
    System.out.println();
    System.out.println("| concurrency | node p50 − bare p50 (µs) | node p50 / bare p50 |"
        + " node p50 / ORT p50 | node throughput / bare |");
    System.out.println("|---:|---:|---:|---:|---:|");
    double bestBare = 0;
    double bestNode = 0;
    for (int c : concurrency) {
      Result a = find(results, "a:", c);
      Result b = find(results, "b:", c);
      Result n = find(results, "c:", c);
      bestBare = Math.max(bestBare, b.throughput);
      bestNode = Math.max(bestNode, n.throughput);
      System.out.printf(Locale.ROOT, "| %d | %+.1f | %.2f | %.2f | %.2f |%n", c, n.p50 - b.p50,
          n.p50 / b.p50, n.p50 / a.p50, n.throughput / b.throughput);
    }
    System.out.printf(Locale.ROOT, "%npeak throughput: node %.0f req/s, bare %.0f req/s"
        + " (ratio %.2f)%n", bestNode, bestBare, bestNode / bestBare);
  }

  private static Result find(List<Result> results, String prefix, int c) {
    return results.stream().filter(r -> r.target.startsWith(prefix) && r.concurrency == c)
        .findFirst().orElseThrow();
  }
}
