package io.densemesh.perf.latency;

import com.google.protobuf.ByteString;
import io.densemesh.api.inference.GRPCInferenceServiceGrpc;
import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.ModelMeshGrpc;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.config.NodeOptions;
import io.densemesh.config.NodeConfig;
import io.densemesh.node.MeshNode;
import io.densemesh.observability.LogSetup;
import io.densemesh.observability.NodeTelemetry;
import io.densemesh.runtime.onnx.gen.SampleModels;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Usage: {@code ./densemesh bench-observability [--rounds 6] [--seconds 5] [--warmup 2]
 * [--concurrency 8]}.
 *
 * <p>The local-hit path with observability on against off, in the same run: two nodes in this
 * JVM serve the same resident model; "off" runs with the defaults (text logs, tracing off, no
 * per-model labels), "on" with JSON logs, tracing installed at sampling 0 (every span
 * non-recording, context still propagated) and per-model metric labels. Both always carry the
 * Micrometer gRPC server interceptor and request-id MDC, which have no off switch. Rounds
 * alternate the two arms, rotating which goes first; the report gives each arm's median over
 * rounds and the on/off ratios with their spread (min–max of per-round ratios).
 */
public final class ObservabilityBenchmark {

  private static final int FEATURES = 16;
  private static final int CLASSES = 8;

  /** Runs the benchmark (flags: {@link BenchObservabilityCommand}). */
  static void execute(int rounds, int seconds, int warmup, int concurrency) throws Exception {
    Path dir = Files.createTempDirectory("densemesh-bench-obs");
    Path model = Files.write(dir.resolve("bench.onnx"),
        SampleModels.linearClassifier(1, FEATURES, CLASSES));
    ByteBuffer raw = ByteBuffer.allocate(FEATURES * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < FEATURES; i++) {
      raw.putFloat(i / 10f);
    }
    ModelInferRequest request = ModelInferRequest.newBuilder().setModelName("bench")
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input")
            .setDatatype("FP32").addShape(1).addShape(FEATURES))
        .addRawInputContents(ByteString.copyFrom(raw.array())).build();

    NodeConfig offConfig = config(dir.resolve("off"));
    NodeConfig onConfig = config(dir.resolve("on"), "--log-format", "json",
        "--metrics-per-model", "true", "--trace-sampling", "0");
    MeshNode off = MeshNode.start(offConfig, Clock.systemUTC());
    MeshNode on = MeshNode.start(onConfig, Clock.systemUTC(),
        NodeTelemetry.exportingTo(new DiscardingExporter(), 0.0, "on"));
    List<MeshNode> nodes = List.of(off, on);
    List<ManagedChannel> channels = new ArrayList<>();
    List<LatencyBenchmark.Sample> offSamples = new ArrayList<>();
    List<LatencyBenchmark.Sample> onSamples = new ArrayList<>();
    try {
      List<GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub> stubs = new ArrayList<>();
      for (MeshNode node : nodes) {
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", node.grpcPort())
            .usePlaintext().build();
        channels.add(ch);
        ModelMeshGrpc.newBlockingStub(ch).registerModel(RegisterModelRequest.newBuilder()
            .setModelId("bench").setLoadNow(true).setSync(true)
            .setModelInfo(ModelInfo.newBuilder().setType("onnx").setPath(model.toString()))
            .build());
        stubs.add(GRPCInferenceServiceGrpc.newBlockingStub(ch));
      }
      for (int round = 0; round < rounds; round++) {
        for (int k = 0; k < 2; k++) {
          int arm = (round + k) % 2; // rotate which arm goes first
          LogSetup.apply(arm == 0 ? offConfig.observability() : onConfig.observability());
          var stub = stubs.get(arm);
          LatencyBenchmark.Sample s = LatencyBenchmark.measure(() -> stub.modelInfer(request),
              concurrency, warmup, seconds);
          (arm == 0 ? offSamples : onSamples).add(s);
          System.err.printf(Locale.ROOT, "round %d %-3s p50 %7.1f us  p99 %7.1f us  %9.0f req/s%n",
              round + 1, arm == 0 ? "off" : "on", s.p50(), s.p99(), s.throughput());
        }
      }
    } finally {
      LogSetup.apply(offConfig.observability());
      channels.forEach(ManagedChannel::shutdownNow);
      nodes.forEach(MeshNode::close);
    }
    report(offSamples, onSamples, concurrency);
  }

  private static NodeConfig config(Path dir, String... extra) {
    List<String> flags = new ArrayList<>(List.of("--host", "127.0.0.1", "--grpc-port", "0",
        "--rest-port", "0", "--metrics-port", "0", "--internal-port", "0",
        "--data-dir", dir.toString(), "--model-roots", dir.getParent().toString()));
    flags.addAll(List.of(extra));
    return NodeOptions.parse(flags, Map.of());
  }

  private static void report(List<LatencyBenchmark.Sample> off,
      List<LatencyBenchmark.Sample> on, int concurrency) {
    List<Double> throughputRatios = new ArrayList<>();
    List<Double> p50Ratios = new ArrayList<>();
    for (int i = 0; i < off.size(); i++) {
      throughputRatios.add(on.get(i).throughput() / off.get(i).throughput());
      p50Ratios.add(off.get(i).p50() / on.get(i).p50());
    }
    System.out.println();
    System.out.println("| arm | concurrency | median throughput (req/s) | median p50 (µs) |"
        + " median p99 (µs) |");
    System.out.println("|---|---:|---:|---:|---:|");
    for (var arm : List.of(Map.entry("off", off), Map.entry("on", on))) {
      System.out.printf(Locale.ROOT, "| %s | %d | %.0f | %.1f | %.1f |%n", arm.getKey(),
          concurrency,
          RoundStats.median(arm.getValue().stream().map(LatencyBenchmark.Sample::throughput)
              .toList()),
          RoundStats.median(arm.getValue().stream().map(LatencyBenchmark.Sample::p50).toList()),
          RoundStats.median(arm.getValue().stream().map(LatencyBenchmark.Sample::p99).toList()));
    }
    System.out.println();
    System.out.printf(Locale.ROOT, "throughput on/off: median %.3f (per-round %.3f–%.3f)%n",
        RoundStats.median(throughputRatios), RoundStats.min(throughputRatios),
        RoundStats.max(throughputRatios));
    System.out.printf(Locale.ROOT, "p50 off/on:        median %.3f (per-round %.3f–%.3f)%n",
        RoundStats.median(p50Ratios), RoundStats.min(p50Ratios), RoundStats.max(p50Ratios));
  }

  /** Drops spans (sampling 0 records none; this only satisfies the SDK's pipeline). */
  private static final class DiscardingExporter implements SpanExporter {
    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }
}
