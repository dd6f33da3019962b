package io.densemesh.quickstart;

import com.google.protobuf.ByteString;
import io.densemesh.api.inference.GRPCInferenceServiceGrpc;
import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.api.inference.ModelInferResponse;
import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.ModelMeshGrpc;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.config.NodeConfig;
import io.densemesh.config.NodeOptions;
import io.densemesh.node.MeshNode;
import io.densemesh.runtime.onnx.gen.SampleModels;
import io.densemesh.units.ByteSizes;
import io.densemesh.workload.ZipfSampler;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.search.Search;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * The quickstart: per-tenant models (each with its own weights), one node on a tight memory
 * budget so that eviction and reloads happen, Zipf-skewed traffic from several clients with every
 * answer checked, a live progress line and a summary.
 */
public final class Quickstart {

  static final int FEATURES = 16;
  static final int CLASSES = 8;

  private final QuickstartOptions options;
  private final PrintStream out;
  private final LongAdder ok = new LongAdder();
  private final LongAdder errors = new LongAdder();
  private final LongAdder wrong = new LongAdder();
  private final Map<String, LongAdder> errorKinds = new ConcurrentHashMap<>();
  private final Recorder latency = new Recorder(3);

  private Quickstart(QuickstartOptions options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  /** Runs the tour; 0 when every answer was right, 1 otherwise. */
  public static int run(QuickstartOptions options, PrintStream out) {
    return new Quickstart(options, out).run();
  }

  private int run() {
    Path dataDir = options.dataDir() != null ? options.dataDir() : tempDir();
    Path modelDir = dataDir.resolve("models");
    out.printf("DenseMesh quickstart: %d tenant models, %d clients, %s of traffic, capacity %s%n",
        options.models(), options.clients(), options.duration().toSeconds() + "s",
        ByteSizes.format(options.capacityBytes()));
    generateModels(modelDir);
    String port = options.keepRunning() ? null : "0";
    NodeConfig config = NodeOptions.parse(List.of(
        "--grpc-port", port == null ? "" + NodeOptions.GRPC_PORT : port,
        "--rest-port", port == null ? "" + NodeOptions.REST_PORT : port,
        "--metrics-port", port == null ? "" + NodeOptions.METRICS_PORT : port,
        "--internal-port", port == null ? "" + NodeOptions.INTERNAL_PORT : port,
        "--host", "127.0.0.1",
        "--capacity", Long.toString(options.capacityBytes()),
        "--data-dir", dataDir.resolve("registry").toString(),
        "--model-roots", modelDir.toString(),
        "--instance-id", "quickstart"), Map.of());
    MeshNode node = MeshNode.start(config, Clock.systemUTC());
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", node.grpcPort())
        .usePlaintext().build();
    try {
      register(channel, modelDir);
      drive(channel);
      summary(node);
      if (options.keepRunning()) {
        out.printf("%nnode keeps running: gRPC 127.0.0.1:%d, REST http://127.0.0.1:%d/v2,"
            + " metrics http://127.0.0.1:%d/metrics (Ctrl-C stops it)%n",
            node.grpcPort(), node.restPort(), node.metricsPort());
        awaitInterrupt(node);
      }
      return errors.sum() + wrong.sum() == 0 ? 0 : 1;
    } finally {
      channel.shutdownNow();
      if (!options.keepRunning()) {
        node.close();
      }
    }
  }

  private static Path tempDir() {
    try {
      return Files.createTempDirectory("densemesh-quickstart");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String tenant(int i) {
    return String.format("tenant-%04d", i);
  }

  private void generateModels(Path modelDir) {
    try {
      Files.createDirectories(modelDir);
      for (int i = 0; i < options.models(); i++) {
        Files.write(modelDir.resolve(tenant(i) + ".onnx"),
            SampleModels.linearClassifier(options.seed() + i, FEATURES, CLASSES));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write models: " + e.getMessage(), e);
    }
  }

  private void register(ManagedChannel channel, Path modelDir) {
    ModelMeshGrpc.ModelMeshBlockingStub mesh = ModelMeshGrpc.newBlockingStub(channel);
    long start = System.nanoTime();
    for (int i = 0; i < options.models(); i++) {
      mesh.withDeadlineAfter(30, TimeUnit.SECONDS).registerModel(RegisterModelRequest.newBuilder()
          .setModelId(tenant(i))
          .setModelInfo(ModelInfo.newBuilder().setType("onnx")
              .setPath(modelDir.resolve(tenant(i) + ".onnx").toString()))
          .build());
    }
    out.printf("registered %d models in %d ms%n", options.models(),
        (System.nanoTime() - start) / 1_000_000);
  }

  private void drive(ManagedChannel channel) {
    ZipfSampler zipf = new ZipfSampler(options.models(), options.zipf());
    long end = System.nanoTime() + options.duration().toNanos();
    CountDownLatch done = new CountDownLatch(options.clients());
    for (int c = 0; c < options.clients(); c++) {
      long clientSeed = options.seed() * 31 + c;
      Thread t = new Thread(() -> {
        try {
          client(channel, zipf, new SplittableRandom(clientSeed), end);
        } finally {
          done.countDown();
        }
      }, "quickstart-client-" + c);
      t.setDaemon(true);
      t.start();
    }
    long started = System.nanoTime();
    try {
      while (!done.await(500, TimeUnit.MILLISECONDS)) {
        double secs = (System.nanoTime() - started) / 1e9;
        out.printf("\r  %5.1fs  %8d ok  %5d errors  %5d wrong  %8.0f req/s", secs, ok.sum(),
            errors.sum(), wrong.sum(), ok.sum() / secs);
        out.flush();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    out.println();
  }

  private void client(ManagedChannel channel, ZipfSampler zipf, SplittableRandom random,
      long endNanos) {
    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub =
        GRPCInferenceServiceGrpc.newBlockingStub(channel);
    float[] row = new float[FEATURES];
    ByteBuffer raw = ByteBuffer.allocate(FEATURES * 4).order(ByteOrder.LITTLE_ENDIAN);
    while (System.nanoTime() < endNanos) {
      int i = zipf.next(random);
      raw.clear();
      for (int f = 0; f < FEATURES; f++) {
        row[f] = (float) (random.nextDouble() * 2 - 1);
        raw.putFloat(row[f]);
      }
      ModelInferRequest request = ModelInferRequest.newBuilder()
          .setModelName(tenant(i))
          .addInputs(ModelInferRequest.InferInputTensor.newBuilder()
              .setName(SampleModels.INPUT).setDatatype("FP32").addShape(1).addShape(FEATURES))
          .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder()
              .setName(SampleModels.LOGITS))
          .addRawInputContents(ByteString.copyFrom(raw.array()))
          .build();
      long t0 = System.nanoTime();
      try {
        ModelInferResponse response =
            stub.withDeadlineAfter(30, TimeUnit.SECONDS).modelInfer(request);
        latency.recordValue((System.nanoTime() - t0) / 1000);
        if (correct(response, options.seed() + i, row)) {
          ok.increment();
        } else {
          wrong.increment();
        }
      } catch (StatusRuntimeException e) {
        errors.increment();
        errorKinds.computeIfAbsent(e.getStatus().getCode().name(), k -> new LongAdder())
            .increment();
      }
    }
  }

  private static boolean correct(ModelInferResponse response, long seed, float[] row) {
    float[] expected = SampleModels.expectedLogits(seed, FEATURES, CLASSES, row);
    ByteBuffer got = response.getRawOutputContents(0).asReadOnlyByteBuffer()
        .order(ByteOrder.LITTLE_ENDIAN);
    if (got.remaining() != expected.length * 4) {
      return false;
    }
    for (float e : expected) {
      if (Math.abs(got.getFloat() - e) > 1e-3f) {
        return false;
      }
    }
    return true;
  }

  private void summary(MeshNode node) {
    var hist = latency.getIntervalHistogram();
    double hits = count(node, "densemesh.cache.hits");
    double misses = count(node, "densemesh.cache.misses");
    double evictions = count(node, "densemesh.evictions");
    double loads = Search.in(node.metrics().registry()).name("densemesh.model.loads")
        .tag("result", "success").counters().stream().mapToDouble(c -> c.count()).sum();
    List<String> lines = new ArrayList<>();
    lines.add(String.format("requests      %d ok, %d errors%s, %d wrong answers", ok.sum(),
        errors.sum(), errorKinds.isEmpty() ? "" : " " + errorKinds, wrong.sum()));
    lines.add(String.format("latency       p50 %.2f ms, p99 %.2f ms, max %.2f ms",
        hist.getValueAtPercentile(50) / 1000.0, hist.getValueAtPercentile(99) / 1000.0,
        hist.getMaxValue() / 1000.0));
    lines.add(String.format("throughput    %.0f requests/s",
        ok.sum() / (options.duration().toMillis() / 1000.0)));
    lines.add(String.format("cache         %.1f%% hits, %.0f loads, %.0f evictions",
        100 * hits / Math.max(1, hits + misses), loads, evictions));
    lines.add(String.format("resident      %d models, %s of %s", node.cache().loadedCount(),
        ByteSizes.format(node.cache().usedBytes()), ByteSizes.format(node.cache().capacityBytes())));
    out.println();
    lines.forEach(l -> out.println("  " + l));
  }

  private static double count(MeshNode node, String name) {
    return Search.in(node.metrics().registry()).name(name).counters().stream()
        .mapToDouble(c -> c.count()).sum();
  }

  private static void awaitInterrupt(MeshNode node) {
    CountDownLatch latch = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      node.close();
      latch.countDown();
    }));
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
