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
import io.densemesh.config.NodeOptions;
import io.densemesh.node.MeshNode;
import io.densemesh.runtime.onnx.ExecutionDevice;
import io.densemesh.runtime.onnx.OnnxModelRuntime;
import io.densemesh.runtime.onnx.gen.SampleModels;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Usage: {@code ./densemesh bench [--rounds 3] [--seconds 3] [--warmup 1]
 * [--concurrency 1,8,32] [--intra-op-threads 1]}.
 *
 * <p>One small model served three ways, every one with the node's own ONNX Runtime session
 * options ({@link OnnxModelRuntime#sessionOptions}): (a) {@code OrtSession.run} in-process, (b)
 * a bare grpc-java server calling ORT ({@link BareGrpcServer}), (c) a DenseMesh node, model
 * resident. All three are started first. Then, per concurrency, the targets run in rounds: each
 * round runs every target once (its own warm-up, then the measured window), in an order rotated
 * by one each round, so none always runs first or last or collects more JIT warm-up than the
 * others. Each round gives p50, p99 and throughput per target, and the node/bare ratios of that
 * round (same minute, same machine load); reported are the medians over rounds with their
 * min–max spread. Closed-loop clients run in the same JVM as the servers, alike for (b) and (c).
 */
public final class LatencyBenchmark {

  private static final int FEATURES = 16;
  private static final int CLASSES = 8;
  static final List<String> TARGETS = List.of(
      "a: OrtSession in-process", "b: bare grpc-java + ORT", "c: DenseMesh node (hit)");

  interface Call {
    void run() throws Exception;
  }

  /** One target's figures in one round. */
  record Sample(double p50, double p99, double throughput) {}

  /** A named target's figures (for AuthBenchmark, which runs its own rounds). */
  record Result(String target, int concurrency, double p50, double p99, double throughput) {}

  /** Runs the benchmark (flags: {@link BenchCommand}). */
  static void execute(int rounds, int seconds, int warmup, int intraOp, int[] concurrency)
      throws Exception {
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

    Engine.getEngine("OnnxRuntime"); // loads the native library as the node's runtime does
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession session;
    try (OrtSession.SessionOptions options =
        OnnxModelRuntime.sessionOptions(intraOp, ExecutionDevice.CPU)) {
      session = env.createSession(model.toString(), options);
    }
    MeshNode node = MeshNode.start(NodeOptions.parse(List.of("--host", "127.0.0.1",
        "--grpc-port", "0", "--rest-port", "0", "--metrics-port", "0", "--internal-port", "0",
        "--intra-op-threads", Integer.toString(intraOp),
        "--data-dir", dir.resolve("registry").toString(), "--model-roots", dir.toString()),
        Map.of()), Clock.systemUTC());
    Map<String, Map<Integer, List<Sample>>> samples = new LinkedHashMap<>();
    try (BareGrpcServer bare = new BareGrpcServer(env, session)) {
      ManagedChannel bareChannel = channel(bare.port());
      ManagedChannel nodeChannel = channel(node.grpcPort());
      ModelMeshGrpc.newBlockingStub(nodeChannel).registerModel(RegisterModelRequest.newBuilder()
          .setModelId("bench").setLoadNow(true).setSync(true)
          .setModelInfo(ModelInfo.newBuilder().setType("onnx").setPath(model.toString()))
          .build());
      var bareStub = GRPCInferenceServiceGrpc.newBlockingStub(bareChannel);
      var nodeStub = GRPCInferenceServiceGrpc.newBlockingStub(nodeChannel);
      Map<String, Call> calls = new LinkedHashMap<>();
      calls.put(TARGETS.get(0), () -> {
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(row),
            new long[] {1, FEATURES}); OrtSession.Result r = session.run(Map.of("input", t))) {
          r.get(0);
        }
      });
      calls.put(TARGETS.get(1), () -> bareStub.modelInfer(request));
      calls.put(TARGETS.get(2), () -> nodeStub.modelInfer(request));
      for (int c : concurrency) {
        for (int round = 0; round < rounds; round++) {
          for (String target : rotated(TARGETS, round)) {
            Sample s = measure(calls.get(target), c, warmup, seconds);
            System.err.printf(Locale.ROOT,
                "round %d %-26s c=%-3d p50 %7.1f us  p99 %7.1f us  %9.0f req/s%n",
                round + 1, target, c, s.p50, s.p99, s.throughput);
            samples.computeIfAbsent(target, k -> new LinkedHashMap<>())
                .computeIfAbsent(c, k -> new ArrayList<>()).add(s);
          }
        }
      }
      bareChannel.shutdownNow();
      nodeChannel.shutdownNow();
    } finally {
      node.close();
      session.close();
    }
    report(samples, concurrency, rounds, seconds, warmup, intraOp);
  }

  /** The targets in round {@code round}'s order: the list rotated left by {@code round}. */
  static List<String> rotated(List<String> targets, int round) {
    List<String> order = new ArrayList<>(targets);
    Collections.rotate(order, -(round % targets.size()));
    return order;
  }

  private static ManagedChannel channel(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  /** One target's figures over one window, for benchmarks built on this harness. */
  static Result measure(String target, int concurrency, int warmup, int seconds, Call call)
      throws Exception {
    Sample s = measure(call, concurrency, warmup, seconds);
    return new Result(target, concurrency, s.p50, s.p99, s.throughput);
  }

  /** One closed-loop measurement: {@code concurrency} threads calling for warm-up + seconds. */
  static Sample measure(Call call, int concurrency, int warmup, int seconds)
      throws Exception {
    Recorder recorder = new Recorder(3);
    LongAdder done = new LongAdder();
    long warmEnd = System.nanoTime() + warmup * 1_000_000_000L;
    long end = warmEnd + seconds * 1_000_000_000L;
    CountDownLatch finished = new CountDownLatch(concurrency);
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
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
      throw new IllegalStateException("benchmark call failed", failures.get(0));
    }
    Histogram h = recorder.getIntervalHistogram();
    return new Sample(h.getValueAtPercentile(50), h.getValueAtPercentile(99),
        done.sum() / (double) seconds);
  }

  /** Median over rounds with its min–max, e.g. {@code 172 [160–190]}. */
  static String spread(List<Double> values, String format) {
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    double median = n % 2 == 1 ? sorted.get(n / 2)
        : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    return String.format(Locale.ROOT, format + " [" + format + "–" + format + "]", median,
        sorted.get(0), sorted.get(n - 1));
  }

  private static List<Double> each(List<Sample> samples, ToDoubleFunction<Sample> f) {
    return samples.stream().map(s -> f.applyAsDouble(s)).toList();
  }

  /** Per-round ratios or differences of target x to target y, in round order. */
  private static List<Double> perRound(List<Sample> x, List<Sample> y,
      java.util.function.BinaryOperator<Double> f, ToDoubleFunction<Sample> field) {
    List<Double> out = new ArrayList<>();
    for (int i = 0; i < x.size(); i++) {
      out.add(f.apply(field.applyAsDouble(x.get(i)), field.applyAsDouble(y.get(i))));
    }
    return out;
  }

  private static void report(Map<String, Map<Integer, List<Sample>>> samples, int[] concurrency,
      int rounds, int seconds, int warmup, int intraOp) {
    System.out.println();
    System.out.printf(Locale.ROOT, "%s, %d rounds (order rotated each round), %d s measured"
        + " after %d s warm-up per target and round, --intra-op-threads %d, %d cores;"
        + " medians over rounds [min–max]%n%n", LocalDate.now(ZoneOffset.UTC), rounds, seconds,
        warmup, intraOp, Runtime.getRuntime().availableProcessors());
    System.out.println("| target | concurrency | p50 (µs) | p99 (µs) | throughput (req/s) |");
    System.out.println("|---|---:|---:|---:|---:|");
    for (String target : TARGETS) {
      for (int c : concurrency) {
        List<Sample> s = samples.get(target).get(c);
        System.out.printf(Locale.ROOT, "| %s | %d | %s | %s | %s |%n", target, c,
            spread(each(s, Sample::p50), "%.0f"), spread(each(s, Sample::p99), "%.0f"),
            spread(each(s, Sample::throughput), "%.0f"));
      }
    }
    System.out.println();
    System.out.println("| concurrency | node p50 − bare p50 (µs) | node p50 / bare p50 |"
        + " node throughput / bare | node p50 / ORT p50 |");
    System.out.println("|---:|---:|---:|---:|---:|");
    for (int c : concurrency) {
      List<Sample> ort = samples.get(TARGETS.get(0)).get(c);
      List<Sample> bare = samples.get(TARGETS.get(1)).get(c);
      List<Sample> node = samples.get(TARGETS.get(2)).get(c);
      System.out.printf(Locale.ROOT, "| %d | %s | %s | %s | %s |%n", c,
          spread(perRound(node, bare, (x, y) -> x - y, Sample::p50), "%+.0f"),
          spread(perRound(node, bare, (x, y) -> x / y, Sample::p50), "%.2f"),
          spread(perRound(node, bare, (x, y) -> x / y, Sample::throughput), "%.2f"),
          spread(perRound(node, ort, (x, y) -> x / y, Sample::p50), "%.1f"));
    }
  }
}
