package io.densemesh.perf.latency;

import com.google.protobuf.ByteString;
import io.densemesh.api.inference.GRPCInferenceServiceGrpc;
import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.ModelMeshGrpc;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.config.NodeOptions;
import io.densemesh.node.MeshNode;
import io.densemesh.runtime.onnx.gen.SampleModels;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Usage: {@code ./densemesh bench-batching [--rounds 3] [--seconds 3] [--warmup 1]
 * [--concurrency 1,8,32,128]}.
 *
 * <p>Dynamic batching on against off, same node, same run: each model is registered twice from
 * the same file, once with a {@code batching} key (max 32 rows, 500 µs queue delay) and once
 * without. Models: (a) the small tenant classifier (16 features, 8 classes) and (b) a
 * compute-heavy 4-layer 1024-wide MLP. For every concurrency the two arms of a model alternate
 * in rounds, rotating which goes first, with the same warm-up; the report gives each arm's
 * median over rounds and the per-round on/off ratios (median, min–max).
 */
public final class BatchingBenchmark {

  record Workload(String name, byte[] model, int width) {}

  /** Runs the benchmark (flags: {@link BenchBatchingCommand}). */
  static void execute(int rounds, int seconds, int warmup, int[] concurrencies)
      throws Exception {
    List<Workload> workloads = List.of(
        new Workload("small", SampleModels.linearClassifier(1, 16, 8), 16),
        new Workload("mlp-4x1024", SampleModels.mlp(1, 1024, 4), 1024));
    Path dir = Files.createTempDirectory("densemesh-bench-batching");
    MeshNode node = MeshNode.start(NodeOptions.parse(List.of("--host", "127.0.0.1",
        "--grpc-port", "0", "--rest-port", "0", "--metrics-port", "0", "--internal-port", "0",
        "--data-dir", dir.resolve("node").toString(), "--model-roots", dir.toString(),
        "--capacity", "2g"), Map.of()), Clock.systemUTC());
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", node.grpcPort())
        .usePlaintext().build();
    Map<String, List<LatencyBenchmark.Sample>> samples = new LinkedHashMap<>();
    try {
      var mesh = ModelMeshGrpc.newBlockingStub(channel);
      var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
      for (Workload w : workloads) {
        Path file = Files.write(dir.resolve(w.name() + ".onnx"), w.model());
        for (String arm : List.of("off", "on")) {
          mesh.registerModel(RegisterModelRequest.newBuilder().setModelId(w.name() + "-" + arm)
              .setLoadNow(true).setSync(true).setModelInfo(ModelInfo.newBuilder()
                  .setType("onnx").setPath(file.toString()).setKey(arm.equals("on")
                      ? "{\"batching\":{\"max_batch_size\":32,\"max_queue_delay_us\":500}}"
                      : ""))
              .build());
        }
      }
      for (int concurrency : concurrencies) {
        for (Workload w : workloads) {
          for (int round = 0; round < rounds; round++) {
            for (int k = 0; k < 2; k++) {
              String arm = (round + k) % 2 == 0 ? "off" : "on";
              ModelInferRequest request = request(w.name() + "-" + arm, w.width());
              LatencyBenchmark.Sample s = LatencyBenchmark.measure(
                  () -> stub.modelInfer(request), concurrency, warmup, seconds);
              samples.computeIfAbsent(w.name() + "|" + concurrency + "|" + arm,
                  x -> new ArrayList<>()).add(s);
              System.err.printf(Locale.ROOT,
                  "%-10s c=%-3d round %d %-3s p50 %8.1f us  p99 %8.1f us  %8.0f req/s%n",
                  w.name(), concurrency, round + 1, arm, s.p50(), s.p99(), s.throughput());
            }
          }
        }
      }
    } finally {
      channel.shutdownNow();
      node.close();
    }
    report(samples, workloads, concurrencies);
  }

  static ModelInferRequest request(String model, int width) {
    ByteBuffer raw = ByteBuffer.allocate(width * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < width; i++) {
      raw.putFloat((i % 13) / 10f);
    }
    return ModelInferRequest.newBuilder().setModelName(model)
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName(SampleModels.INPUT)
            .setDatatype("FP32").addShape(1).addShape(width))
        .addRawInputContents(ByteString.copyFrom(raw.array())).build();
  }

  private static void report(Map<String, List<LatencyBenchmark.Sample>> samples,
      List<Workload> workloads, int[] concurrencies) {
    System.out.println();
    System.out.println("| model | concurrency | off req/s | on req/s | throughput on/off (min–max)"
        + " | off p50 µs | on p50 µs | off p99 µs | on p99 µs | p99 on/off (min–max) |");
    System.out.println("|---|---:|---:|---:|---|---:|---:|---:|---:|---|");
    for (Workload w : workloads) {
      for (int c : concurrencies) {
        List<LatencyBenchmark.Sample> off = samples.get(w.name() + "|" + c + "|off");
        List<LatencyBenchmark.Sample> on = samples.get(w.name() + "|" + c + "|on");
        List<Double> tput = new ArrayList<>();
        List<Double> p99 = new ArrayList<>();
        for (int i = 0; i < off.size(); i++) {
          tput.add(on.get(i).throughput() / off.get(i).throughput());
          p99.add(on.get(i).p99() / off.get(i).p99());
        }
        System.out.printf(Locale.ROOT,
            "| %s | %d | %.0f | %.0f | %.2f (%.2f–%.2f) | %.0f | %.0f | %.0f | %.0f |"
                + " %.2f (%.2f–%.2f) |%n",
            w.name(), c, median(off, LatencyBenchmark.Sample::throughput),
            median(on, LatencyBenchmark.Sample::throughput), RoundStats.median(tput),
            RoundStats.min(tput), RoundStats.max(tput),
            median(off, LatencyBenchmark.Sample::p50), median(on, LatencyBenchmark.Sample::p50),
            median(off, LatencyBenchmark.Sample::p99), median(on, LatencyBenchmark.Sample::p99),
            RoundStats.median(p99), RoundStats.min(p99), RoundStats.max(p99));
      }
    }
  }

  private static double median(List<LatencyBenchmark.Sample> s,
      java.util.function.ToDoubleFunction<LatencyBenchmark.Sample> f) {
    return RoundStats.median(s.stream().map(f::applyAsDouble).toList());
  }

}
