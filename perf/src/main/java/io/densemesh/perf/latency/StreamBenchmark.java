package io.densemesh.perf.latency;

import com.google.protobuf.ByteString;
import io.densemesh.api.inference.GRPCInferenceServiceGrpc;
import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.api.inference.ModelStreamInferResponse;
import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.ModelMeshGrpc;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.config.NodeOptions;
import io.densemesh.node.MeshNode;
import io.densemesh.runtime.onnx.gen.SampleModels;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Usage: {@code ./densemesh bench-stream [--rounds 5] [--seconds 4] [--warmup 2] [--window 16]}.
 *
 * <p>One client, the small tenant model (16 features, 8 classes) resident on one node: unary
 * {@code ModelInfer} calls one at a time (concurrency 1) against one {@code ModelStreamInfer}
 * stream keeping up to {@code --window} requests outstanding. The two arms alternate in rounds,
 * rotating which goes first, each with the same warm-up; the report gives each arm's median
 * throughput and the per-round stream/unary ratio (median, min–max).
 */
public final class StreamBenchmark {

  /** Runs the benchmark (flags: {@link BenchStreamCommand}). */
  static void execute(int rounds, int seconds, int warmup, int window) throws Exception {
    Path dir = Files.createTempDirectory("densemesh-bench-stream");
    Path model = Files.write(dir.resolve("small.onnx"), SampleModels.linearClassifier(1, 16, 8));
    MeshNode node = MeshNode.start(NodeOptions.parse(List.of("--host", "127.0.0.1",
        "--grpc-port", "0", "--rest-port", "0", "--metrics-port", "0", "--internal-port", "0",
        "--data-dir", dir.resolve("node").toString(), "--model-roots", dir.toString()),
        Map.of()), Clock.systemUTC());
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", node.grpcPort())
        .usePlaintext().build();
    List<Double> unary = new ArrayList<>();
    List<Double> stream = new ArrayList<>();
    try {
      ModelMeshGrpc.newBlockingStub(channel).registerModel(RegisterModelRequest.newBuilder()
          .setModelId("small").setLoadNow(true).setSync(true).setModelInfo(ModelInfo
              .newBuilder().setType("onnx").setPath(model.toString())).build());
      ByteBuffer raw = ByteBuffer.allocate(16 * 4).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < 16; i++) {
        raw.putFloat(i / 10f);
      }
      ModelInferRequest request = ModelInferRequest.newBuilder().setModelName("small")
          .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input")
              .setDatatype("FP32").addShape(1).addShape(16))
          .addRawInputContents(ByteString.copyFrom(raw.array())).build();
      var blocking = GRPCInferenceServiceGrpc.newBlockingStub(channel);
      var async = GRPCInferenceServiceGrpc.newStub(channel);
      for (int round = 0; round < rounds; round++) {
        for (int k = 0; k < 2; k++) {
          boolean streaming = (round + k) % 2 == 1;
          double perSecond;
          if (streaming) {
            streamRun(async, request, window, warmup);
            perSecond = streamRun(async, request, window, seconds);
            stream.add(perSecond);
          } else {
            LatencyBenchmark.measure(() -> blocking.modelInfer(request), 1, 0, warmup);
            perSecond = LatencyBenchmark.measure(() -> blocking.modelInfer(request), 1, 0,
                seconds).throughput();
            unary.add(perSecond);
          }
          System.err.printf(Locale.ROOT, "round %d %-6s %9.0f req/s%n", round + 1,
              streaming ? "stream" : "unary", perSecond);
        }
      }
    } finally {
      channel.shutdownNow();
      node.close();
    }
    List<Double> ratios = new ArrayList<>();
    for (int i = 0; i < unary.size(); i++) {
      ratios.add(stream.get(i) / unary.get(i));
    }
    System.out.println();
    System.out.println("| arm | median req/s |");
    System.out.println("|---|---:|");
    System.out.printf(Locale.ROOT, "| unary, concurrency 1 | %.0f |%n", RoundStats.median(unary));
    System.out.printf(Locale.ROOT, "| one stream, window %d | %.0f |%n", window,
        RoundStats.median(stream));
    System.out.printf(Locale.ROOT, "%nstream/unary throughput: median %.2f (per-round %.2f–%.2f)%n",
        RoundStats.median(ratios), RoundStats.min(ratios), RoundStats.max(ratios));
  }

  /** Requests answered per second over one stream kept {@code window} deep for a while. */
  static double streamRun(GRPCInferenceServiceGrpc.GRPCInferenceServiceStub stub,
      ModelInferRequest request, int window, int seconds) throws InterruptedException {
    Semaphore room = new Semaphore(window);
    AtomicLong answered = new AtomicLong();
    CountDownLatch closed = new CountDownLatch(1);
    StreamObserver<ModelInferRequest> out = stub.modelStreamInfer(new StreamObserver<>() {
      @Override
      public void onNext(ModelStreamInferResponse r) {
        if (!r.getErrorMessage().isEmpty()) {
          throw new IllegalStateException(r.getErrorMessage());
        }
        answered.incrementAndGet();
        room.release();
      }

      @Override
      public void onError(Throwable t) {
        closed.countDown();
      }

      @Override
      public void onCompleted() {
        closed.countDown();
      }
    });
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < end) {
      if (room.tryAcquire(10, TimeUnit.MILLISECONDS)) {
        out.onNext(request);
      }
    }
    long counted = answered.get();
    double elapsed = (System.nanoTime() - start) / 1e9;
    out.onCompleted();
    closed.await(30, TimeUnit.SECONDS);
    return counted / elapsed;
  }

}
