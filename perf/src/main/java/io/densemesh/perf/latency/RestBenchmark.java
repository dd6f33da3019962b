package io.densemesh.perf.latency;

import com.google.protobuf.ByteString;
import io.densemesh.api.inference.GRPCInferenceServiceGrpc;
import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.ModelMeshGrpc;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.config.NodeOptions;
import io.densemesh.node.MeshNode;
import io.densemesh.perf.latency.LatencyBenchmark.Sample;
import io.densemesh.runtime.onnx.gen.SampleModels;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Usage: {@code ./densemesh bench-rest [--rounds 5] [--seconds 3] [--warmup 1]
 * [--concurrency 1,8]}.
 *
 * <p>One DenseMesh node, the small tenant MLP (16 wide, 2 layers, resident), asked three ways
 * from this process over loopback: (a) gRPC {@code ModelInfer} with raw input contents, the
 * baseline; (b) REST {@code POST /v2/models/{m}/infer} with a JSON body; (c) the same with the
 * binary tensor extension (JSON header, raw FP32 input, binary output). REST clients are
 * {@link HttpClient} on HTTP/1.1 with keep-alive (one client, its connection pool). Per
 * concurrency, rounds run every target once in an order rotated each round (same warm-up, same
 * window); reported are medians over rounds of p50, p99 and throughput with their min–max, and
 * per-round ratios against gRPC from the same round.
 */
public final class RestBenchmark {

  static final int WIDTH = 16;
  static final int LAYERS = 2;
  static final List<String> TARGETS = List.of(
      "a: gRPC ModelInfer", "b: REST JSON", "c: REST binary tensors");

  private RestBenchmark() {}

  static void execute(int rounds, int seconds, int warmup, int[] concurrency) throws Exception {
    Path dir = Files.createTempDirectory("densemesh-bench-rest");
    Path model = Files.write(dir.resolve("mlp.onnx"), SampleModels.mlp(1, WIDTH, LAYERS));
    float[] row = new float[WIDTH];
    for (int i = 0; i < WIDTH; i++) {
      row[i] = i / 10f;
    }
    ByteBuffer raw = ByteBuffer.allocate(WIDTH * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : row) {
      raw.putFloat(v);
    }
    ModelInferRequest grpcRequest = ModelInferRequest.newBuilder().setModelName("mlp")
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName(SampleModels.INPUT)
            .setDatatype("FP32").addShape(1).addShape(WIDTH))
        .addRawInputContents(ByteString.copyFrom(raw.array())).build();
    StringJoiner values = new StringJoiner(",", "[", "]");
    for (float v : row) {
      values.add(Float.toString(v));
    }
    byte[] json = ("{\"inputs\":[{\"name\":\"" + SampleModels.INPUT + "\",\"shape\":[1,"
        + WIDTH + "],\"datatype\":\"FP32\",\"data\":" + values + "}]}")
        .getBytes(StandardCharsets.UTF_8);
    byte[] header = ("{\"inputs\":[{\"name\":\"" + SampleModels.INPUT + "\",\"shape\":[1,"
        + WIDTH + "],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":" + WIDTH * 4
        + "}}],\"parameters\":{\"binary_data_output\":true}}").getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream framed = new ByteArrayOutputStream();
    framed.writeBytes(header);
    framed.writeBytes(raw.array());
    byte[] binary = framed.toByteArray();

    MeshNode node = MeshNode.start(NodeOptions.parse(List.of("--host", "127.0.0.1",
        "--grpc-port", "0", "--rest-port", "0", "--metrics-port", "0", "--internal-port", "0",
        "--data-dir", dir.resolve("registry").toString(), "--model-roots", dir.toString()),
        Map.of()), Clock.systemUTC());
    Map<String, Map<Integer, List<Sample>>> samples = new LinkedHashMap<>();
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", node.grpcPort())
        .usePlaintext().build();
    try {
      ModelMeshGrpc.newBlockingStub(channel).registerModel(RegisterModelRequest.newBuilder()
          .setModelId("mlp").setLoadNow(true).setSync(true)
          .setModelInfo(ModelInfo.newBuilder().setType("onnx").setPath(model.toString()))
          .build());
      URI infer = URI.create("http://127.0.0.1:" + node.restPort() + "/v2/models/mlp/infer");
      // A bounded wait per call: a REST answer that never comes fails the run, not freezes it.
      HttpRequest jsonRequest = HttpRequest.newBuilder(infer).timeout(Duration.ofSeconds(30))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofByteArray(json)).build();
      HttpRequest binaryRequest = HttpRequest.newBuilder(infer).timeout(Duration.ofSeconds(30))
          .header("Inference-Header-Content-Length", Integer.toString(header.length))
          .POST(HttpRequest.BodyPublishers.ofByteArray(binary)).build();
      var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
      Map<String, LatencyBenchmark.Call> calls = new LinkedHashMap<>();
      calls.put(TARGETS.get(0), () -> stub.modelInfer(grpcRequest));
      calls.put(TARGETS.get(1), () -> ok(http.send(jsonRequest,
          HttpResponse.BodyHandlers.ofByteArray())));
      calls.put(TARGETS.get(2), () -> ok(http.send(binaryRequest,
          HttpResponse.BodyHandlers.ofByteArray())));
      for (int c : concurrency) {
        for (int round = 0; round < rounds; round++) {
          for (String target : LatencyBenchmark.rotated(TARGETS, round)) {
            Sample s = LatencyBenchmark.measure(calls.get(target), c, warmup, seconds);
            System.err.printf(Locale.ROOT,
                "round %d %-24s c=%-3d p50 %7.1f us  p99 %7.1f us  %9.0f req/s%n",
                round + 1, target, c, s.p50(), s.p99(), s.throughput());
            samples.computeIfAbsent(target, k -> new LinkedHashMap<>())
                .computeIfAbsent(c, k -> new ArrayList<>()).add(s);
          }
        }
      }
    } finally {
      channel.shutdownNow();
      node.close();
    }
    report(samples, concurrency, rounds, seconds, warmup);
  }

  private static void ok(HttpResponse<byte[]> response) {
    if (response.statusCode() != 200) {
      throw new IllegalStateException("REST infer answered " + response.statusCode() + ": "
          + new String(response.body(), StandardCharsets.UTF_8));
    }
  }

  private static List<Double> perRound(List<Sample> x, List<Sample> y,
      java.util.function.ToDoubleFunction<Sample> field) {
    List<Double> out = new ArrayList<>();
    for (int i = 0; i < x.size(); i++) {
      out.add(field.applyAsDouble(x.get(i)) / field.applyAsDouble(y.get(i)));
    }
    return out;
  }

  private static void report(Map<String, Map<Integer, List<Sample>>> samples, int[] concurrency,
      int rounds, int seconds, int warmup) {
    System.out.println();
    System.out.printf(Locale.ROOT, "%s, MLP %dx%d, %d rounds (order rotated each round), %d s"
        + " measured after %d s warm-up per target and round, %d cores; medians over rounds"
        + " [min–max]%n%n", LocalDate.now(ZoneOffset.UTC), WIDTH, LAYERS, rounds, seconds,
        warmup, Runtime.getRuntime().availableProcessors());
    System.out.println("| target | concurrency | p50 (µs) | p99 (µs) | throughput (req/s) |"
        + " p50 / gRPC | p99 / gRPC | throughput / gRPC |");
    System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (int c : concurrency) {
      List<Sample> grpc = samples.get(TARGETS.get(0)).get(c);
      for (String target : TARGETS) {
        List<Sample> s = samples.get(target).get(c);
        System.out.printf(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %s | %s |%n", target, c,
            LatencyBenchmark.spread(s.stream().map(Sample::p50).toList(), "%.0f"),
            LatencyBenchmark.spread(s.stream().map(Sample::p99).toList(), "%.0f"),
            LatencyBenchmark.spread(s.stream().map(Sample::throughput).toList(), "%.0f"),
            LatencyBenchmark.spread(perRound(s, grpc, Sample::p50), "%.2f"),
            LatencyBenchmark.spread(perRound(s, grpc, Sample::p99), "%.2f"),
            LatencyBenchmark.spread(perRound(s, grpc, Sample::throughput), "%.2f"));
      }
    }
  }
}
