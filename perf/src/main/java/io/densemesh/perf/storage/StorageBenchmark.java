package io.densemesh.perf.storage;

import com.google.protobuf.ByteString;
import io.densemesh.api.inference.GRPCInferenceServiceGrpc;
import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.api.mmesh.EnsureLoadedRequest;
import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.ModelMeshGrpc;
import io.densemesh.api.mmesh.ModelStatusInfo;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.api.mmesh.UnregisterModelRequest;
import io.densemesh.config.NodeOptions;
import io.densemesh.node.MeshNode;
import io.densemesh.runtime.onnx.gen.SampleModels;
import io.densemesh.testing.S3TestServer;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * Usage: {@code ./densemesh bench-storage [--sizes 1,10,100] [--repeats 3] [--clients 2]
 * [--quiet-seconds 3]}.
 *
 * <p>One node in this JVM with a storage config pointing at an S3 API server on loopback
 * (S3Proxy, in-memory store). For each model size (an ONNX MatMul whose weight initializer is
 * {@code size} MiB, generated here) and each repeat, three cold loads are timed with a
 * synchronous {@code ensureLoaded}: from local disk (the baseline), from S3 (a fresh object:
 * download, verify, rename into the disk cache, load), and from the disk cache (a new model id on
 * the same S3 path after the first was unloaded: no request to the store). Every model is
 * unregistered after its load. One unrecorded round on a 1 MiB model warms up first. Meanwhile closed-loop clients call a small resident model; their
 * latency is split by whether a load was in flight during the call (the baseline: quiet windows
 * before and after the loads).
 */
public final class StorageBenchmark {

  private static final int CLASSES = 256;
  private static final int HOT_FEATURES = 16;
  private static final String ACCESS = "bench-access";
  private static final String SECRET = "bench-secret";

  private enum Source { LOCAL, S3, CACHE }

  private record Load(int sizeMiB, Source source, double millis) {}

  /** Runs the benchmark (flags: {@link BenchStorageCommand}). */
  static void execute(int[] sizes, int repeats, int clients, int quietSeconds)
      throws Exception {
    Path dir = Files.createTempDirectory("densemesh-bench-storage");
    try (S3TestServer s3 = new S3TestServer(ACCESS, SECRET)) {
      run(dir, s3, sizes, repeats, clients, quietSeconds);
    } finally {
      deleteTree(dir);
    }
  }

  private static void run(Path dir, S3TestServer s3, int[] sizes, int repeats, int clients,
      int quietSeconds) throws Exception {
    s3.createBucket("models");
    Path storageConfig = Files.createDirectories(dir.resolve("storage-config"));
    Files.writeString(storageConfig.resolve("bench"), "{\"type\": \"s3\", \"access_key_id\": \""
        + ACCESS + "\", \"secret_access_key\": \"" + SECRET + "\", \"endpoint_url\": \""
        + s3.endpoint() + "\", \"region\": \"us-east-1\"}");
    Path hotModel = Files.write(dir.resolve("hot.onnx"),
        SampleModels.linearClassifier(1, HOT_FEATURES, 8));

    MeshNode node = MeshNode.start(NodeOptions.parse(List.of("--host", "127.0.0.1",
        "--grpc-port", "0", "--rest-port", "0", "--metrics-port", "0", "--internal-port", "0",
        "--data-dir", dir.resolve("data").toString(), "--capacity", "4g",
        "--load-timeout", "300s", "--storage-config", storageConfig.toString(),
        "--artifact-cache-size", "4g", "--max-artifact-size", "1g"), Map.of()),
        Clock.systemUTC());
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", node.grpcPort()).usePlaintext().build();
    try {
      ModelMeshGrpc.ModelMeshBlockingStub mesh = ModelMeshGrpc.newBlockingStub(channel);
      mesh.registerModel(RegisterModelRequest.newBuilder().setModelId("hot").setLoadNow(true)
          .setSync(true).setModelInfo(ModelInfo.newBuilder().setType("onnx")
              .setPath(hotModel.toString())).build());
      List<Load> loads = new ArrayList<>();
      Histogram quiet;
      Histogram during;
      try (HotTraffic hot = new HotTraffic(GRPCInferenceServiceGrpc.newBlockingStub(channel),
          hotRequest(), clients)) {
        // Warm-up, not recorded: class loading, JIT, the S3 client, the first ORT session.
        byte[] warm = model(1);
        Path warmFile = Files.write(dir.resolve("warm.onnx"), warm);
        s3.put("models", "warm.onnx", warm);
        timeLoad(mesh, hot, 1, Source.LOCAL, "warm-local", warmFile.toString(), "");
        timeLoad(mesh, hot, 1, Source.S3, "warm-s3", "s3://models/warm.onnx", "bench");
        timeLoad(mesh, hot, 1, Source.CACHE, "warm-cache", "s3://models/warm.onnx", "bench");
        Thread.sleep(1000);
        hot.reset();
        quietWindow(hot, quietSeconds);
        for (int size : sizes) {
          byte[] model = model(size);
          Path local = Files.write(dir.resolve("m" + size + ".onnx"), model);
          for (int r = 0; r < repeats; r++) {
            String object = "m" + size + "-" + r + ".onnx";
            s3.put("models", object, model);
            loads.add(timeLoad(mesh, hot, size, Source.LOCAL, "local-" + size + "-" + r,
                local.toString(), ""));
            loads.add(timeLoad(mesh, hot, size, Source.S3, "s3-" + size + "-" + r,
                "s3://models/" + object, "bench"));
            loads.add(timeLoad(mesh, hot, size, Source.CACHE, "cache-" + size + "-" + r,
                "s3://models/" + object, "bench"));
          }
          Files.delete(local);
        }
        quietWindow(hot, quietSeconds);
        quiet = hot.quiet();
        during = hot.during();
      }
      report(loads, sizes, quiet, during);
    } finally {
      channel.shutdownNow();
      node.close();
    }
  }

  /** Lets the hot clients run with no load in flight for a while, recording them as quiet. */
  private static void quietWindow(HotTraffic hot, int seconds) throws InterruptedException {
    hot.quietWindow(true);
    Thread.sleep(seconds * 1000L);
    hot.quietWindow(false);
  }

  /** An ONNX linear layer whose weights are {@code sizeMiB} MiB of FP32. */
  private static byte[] model(int sizeMiB) {
    int features = sizeMiB * (1 << 20) / 4 / CLASSES;
    return SampleModels.linearClassifier(sizeMiB, features, CLASSES);
  }

  private static Load timeLoad(ModelMeshGrpc.ModelMeshBlockingStub mesh, HotTraffic hot,
      int size, Source source, String id, String path, String key) {
    mesh.registerModel(RegisterModelRequest.newBuilder().setModelId(id)
        .setModelInfo(ModelInfo.newBuilder().setType("onnx").setPath(path).setKey(key)).build());
    hot.loadStarted();
    long t0 = System.nanoTime();
    ModelStatusInfo status;
    try {
      status = mesh.ensureLoaded(EnsureLoadedRequest.newBuilder().setModelId(id).setSync(true)
          .build());
    } finally {
      hot.loadFinished();
    }
    double millis = (System.nanoTime() - t0) / 1e6;
    if (status.getStatus() != ModelStatusInfo.ModelStatus.LOADED) {
      throw new IllegalStateException(id + " did not load: " + status);
    }
    mesh.unregisterModel(UnregisterModelRequest.newBuilder().setModelId(id).build());
    System.err.printf(Locale.ROOT, "%-14s %4d MiB  %8.1f ms%n", id, size, millis);
    return new Load(size, source, millis);
  }

  private static ModelInferRequest hotRequest() {
    ByteBuffer raw = ByteBuffer.allocate(HOT_FEATURES * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < HOT_FEATURES; i++) {
      raw.putFloat(i / 10f);
    }
    return ModelInferRequest.newBuilder().setModelName("hot")
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input")
            .setDatatype("FP32").addShape(1).addShape(HOT_FEATURES))
        .addRawInputContents(ByteString.copyFrom(raw.array())).build();
  }

  private static double median(List<Load> loads, int size, Source source) {
    double[] v = loads.stream().filter(l -> l.sizeMiB == size && l.source == source)
        .mapToDouble(Load::millis).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  private static void report(List<Load> loads, int[] sizes, Histogram quiet, Histogram during) {
    System.out.println();
    System.out.println("| model | local disk (ms) | S3 on loopback (ms) | disk cache (ms) |"
        + " S3 / local | cache / local |");
    System.out.println("|---|---:|---:|---:|---:|---:|");
    for (int size : sizes) {
      double local = median(loads, size, Source.LOCAL);
      double s3 = median(loads, size, Source.S3);
      double cache = median(loads, size, Source.CACHE);
      System.out.printf(Locale.ROOT, "| %d MiB | %.1f | %.1f | %.1f | %.2f | %.2f |%n", size,
          local, s3, cache, s3 / local, cache / local);
    }
    System.out.println();
    System.out.println("| hot model calls | count | p50 (µs) | p99 (µs) | max (µs) |");
    System.out.println("|---|---:|---:|---:|---:|");
    row("no load in flight", quiet);
    row("a cold load in flight", during);
    System.out.printf(Locale.ROOT, "%nduring / quiet: p50 %.2f, p99 %.2f%n",
        during.getValueAtPercentile(50) / (double) quiet.getValueAtPercentile(50),
        during.getValueAtPercentile(99) / (double) quiet.getValueAtPercentile(99));
  }

  private static void row(String label, Histogram h) {
    System.out.printf(Locale.ROOT, "| %s | %d | %d | %d | %d |%n", label, h.getTotalCount(),
        h.getValueAtPercentile(50), h.getValueAtPercentile(99), h.getMaxValue());
  }

  private static void deleteTree(Path root) throws java.io.IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
