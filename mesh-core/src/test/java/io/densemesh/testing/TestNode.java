package io.densemesh.testing;

import io.densemesh.api.inference.GRPCInferenceServiceGrpc;
import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.ModelMeshGrpc;
import io.densemesh.api.mmesh.ModelStatusInfo;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.config.NodeOptions;
import io.densemesh.config.NodeConfig;
import io.densemesh.node.MeshNode;
import io.densemesh.observability.NodeTelemetry;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A real node on loopback with free ports, plus real gRPC and HTTP clients for it. */
public final class TestNode implements AutoCloseable {

  public final MeshNode node;
  public final ManagedChannel channel;
  public final GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub inference;
  public final ModelMeshGrpc.ModelMeshBlockingStub mesh;
  private final HttpClient http = HttpClient.newHttpClient();

  public TestNode(Path dataDir, String... extraFlags) {
    this(dataDir, null, extraFlags);
  }

  /** A node tracing with the given telemetry (null: as its flags say). */
  public TestNode(Path dataDir, NodeTelemetry telemetry, String... extraFlags) {
    List<String> flags = new ArrayList<>(List.of("--host", "127.0.0.1", "--grpc-port", "0",
        "--rest-port", "0", "--metrics-port", "0", "--internal-port", "0", "--data-dir", dataDir.toString(),
        "--instance-id", "test-node"));
    flags.addAll(List.of(extraFlags));
    if (!flags.contains("--model-roots")) {
      // Tests write their models beside the node's data directory, in their temp dir.
      flags.addAll(List.of("--model-roots", dataDir.toAbsolutePath().getParent().toString()));
    }
    NodeConfig config = NodeOptions.parse(flags, Map.of());
    node = telemetry == null ? MeshNode.start(config, Clock.systemUTC())
        : MeshNode.start(config, Clock.systemUTC(), telemetry);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", node.grpcPort()).usePlaintext()
        .build();
    inference = GRPCInferenceServiceGrpc.newBlockingStub(channel);
    mesh = ModelMeshGrpc.newBlockingStub(channel);
  }

  /** Flag lists joined: a shared set (e.g. a mesh's etcd flags) and one node's own. */
  public static String[] flags(String[] shared, String... own) {
    List<String> all = new ArrayList<>(List.of(shared));
    all.addAll(List.of(own));
    return all.toArray(String[]::new);
  }

  public ModelStatusInfo register(String id, Path file) {
    return mesh.registerModel(RegisterModelRequest.newBuilder().setModelId(id)
        .setModelInfo(ModelInfo.newBuilder().setType("onnx").setPath(file.toString())).build());
  }

  /** Registers an ONNX model by storage path (a URI or a path inside a storage) and key. */
  public ModelStatusInfo register(String id, String path, String key) {
    return mesh.registerModel(RegisterModelRequest.newBuilder().setModelId(id)
        .setModelInfo(ModelInfo.newBuilder().setType("onnx").setPath(path).setKey(key)).build());
  }

  public HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(uri(node.restPort(), path)).GET().build());
  }

  public HttpResponse<String> post(String path, String body) {
    return send(HttpRequest.newBuilder(uri(node.restPort(), path))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  public String scrapeMetrics() {
    return send(HttpRequest.newBuilder(uri(node.metricsPort(), "/metrics")).GET().build()).body();
  }

  /** The REST URI of a path on this node. */
  public URI rest(String path) {
    return uri(node.restPort(), path);
  }

  private static URI uri(int port, String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  /** Sends a request and keeps the answer's bytes (binary tensor data). */
  public HttpResponse<byte[]> sendBytes(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    channel.shutdownNow();
    node.close();
  }
}
