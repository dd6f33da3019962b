// Run by perf/gpu-check.sh as a single-file program on the node jar's class path:
//   java -cp mesh-core/target/densemesh-node.jar perf/gpu/GpuCheck.java GRPC REST METRICS DIR
// Writes a 16 MiB ONNX classifier, registers it (load now, wait), infers once over REST and
// prints the node's GPU figures from /metrics. Exit 1 when a step fails.

import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.ModelMeshGrpc;
import io.densemesh.api.mmesh.ModelStatusInfo;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.runtime.onnx.gen.SampleModels;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

public class GpuCheck {

  static final int FEATURES = 4096;
  static final int CLASSES = 1024;

  public static void main(String[] args) throws Exception {
    int grpcPort = Integer.parseInt(args[0]);
    int restPort = Integer.parseInt(args[1]);
    int metricsPort = Integer.parseInt(args[2]);
    Path model = Path.of(args[3]).resolve("gpu-check.onnx");
    Files.write(model, SampleModels.linearClassifier(7, FEATURES, CLASSES));
    System.out.printf("model: %s, %d bytes%n", model, Files.size(model));

    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", grpcPort)
        .usePlaintext().build();
    long started = System.nanoTime();
    ModelStatusInfo status = ModelMeshGrpc.newBlockingStub(channel)
        .withDeadlineAfter(120, TimeUnit.SECONDS)
        .registerModel(RegisterModelRequest.newBuilder().setModelId("gpu-check")
            .setModelInfo(ModelInfo.newBuilder().setType("onnx").setPath(model.toString()))
            .setLoadNow(true).setSync(true).build());
    channel.shutdownNow();
    System.out.printf("register + load: %s in %d ms %s%n", status.getStatus(),
        (System.nanoTime() - started) / 1_000_000, status.getErrorsList());

    StringJoiner row = new StringJoiner(",");
    for (int i = 0; i < FEATURES; i++) {
      row.add(Float.toString((i % 17) / 17f));
    }
    String body = "{\"inputs\":[{\"name\":\"" + SampleModels.INPUT + "\",\"shape\":[1," + FEATURES
        + "],\"datatype\":\"FP32\",\"data\":[" + row + "]}],\"outputs\":[{\"name\":\""
        + SampleModels.PROBABILITIES + "\"}]}";
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> infer = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + restPort + "/v2/models/gpu-check/infer"))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    String reply = infer.body();
    System.out.printf("infer: HTTP %d, %s...%n", infer.statusCode(),
        reply.substring(0, Math.min(160, reply.length())));

    String metrics = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    long gpuUsed = -1;
    for (String line : metrics.split("\n")) {
      if (line.startsWith("densemesh_gpu_") || line.startsWith("densemesh_capacity_bytes")
          || line.startsWith("densemesh_used_bytes")) {
        System.out.println("metrics: " + line);
      }
      if (line.startsWith("densemesh_gpu_used_bytes")) {
        gpuUsed = (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    // One model is resident, so the node's GPU charge is that model's measured GPU size.
    System.out.printf("model gpu-check measured GPU size: %d bytes (file %d bytes)%n", gpuUsed,
        Files.size(model));
    boolean ok = infer.statusCode() == 200 && status.getStatus() == ModelStatusInfo.ModelStatus.LOADED;
    System.out.println(ok ? "gpu-check: OK" : "gpu-check: FAILED");
    System.exit(ok ? 0 : 1);
  }
}
