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
import io.densemesh.testing.Tokens;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Usage: {@code ./densemesh bench-auth [--rounds 7] [--seconds 3] [--warmup 2]
 * [--concurrency 1,8] [--tls true|false]}.
 *
 * <p>The cost of security on the local-hit path: two nodes in this JVM serve the same model, one
 * plaintext without authentication and one serving TLS (an ECDSA P-256 certificate made with
 * {@code openssl} for this run; {@code --tls false} leaves TLS out) and checking an RS256 JWT on
 * every call (a real signature over a real JWKS file, made by the test fixture {@link Tokens};
 * after the first call the verdict is cached). Rounds alternate
 * which node is measured first; the report gives per-target medians of the per-round p50/p99 with
 * their spread, and the median of the per-round p50 ratios (JWT on / off).
 */
public final class AuthBenchmark {

  private static final int FEATURES = 16;
  private static final int CLASSES = 8;

  /** Runs the benchmark (flags: {@link BenchAuthCommand}). */
  static void execute(int rounds, int seconds, int warmup, int[] concurrency, boolean tls)
      throws Exception {
    Path dir = Files.createTempDirectory("densemesh-bench-auth");
    Path model = Files.write(dir.resolve("bench.onnx"),
        SampleModels.linearClassifier(1, FEATURES, CLASSES));
    Tokens tokens = new Tokens("bench");
    Path jwks = tokens.writeJwks(dir.resolve("jwks.json"));
    String token = tokens.jwt("bench", "tenant", Instant.now());

    MeshNode open = node(dir.resolve("open"));
    List<String> securedFlags = new ArrayList<>(List.of(tokens.nodeFlags(jwks)));
    Path cert = dir.resolve("cert.pem");
    if (tls) {
      Path key = dir.resolve("key.pem");
      Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec",
          "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(), "-out",
          cert.toString(), "-days", "1", "-subj", "/CN=localhost", "-addext",
          "subjectAltName=IP:127.0.0.1,DNS:localhost").inheritIO().start();
      if (openssl.waitFor() != 0) {
        throw new IllegalStateException("openssl could not make a certificate");
      }
      securedFlags.addAll(List.of("--tls-cert", cert.toString(), "--tls-key", key.toString()));
    }
    MeshNode secured = node(dir.resolve("secured"), securedFlags.toArray(String[]::new));
    ManagedChannel openChannel = channel(open.grpcPort());
    ManagedChannel securedChannel = tls
        ? NettyChannelBuilder.forAddress("127.0.0.1", secured.grpcPort())
            .sslContext(io.grpc.netty.GrpcSslContexts.forClient().trustManager(cert.toFile())
                .build()).build()
        : channel(secured.grpcPort());
    String arm = tls ? "TLS+JWT" : "JWT";
    try {
      Metadata auth = new Metadata();
      auth.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
          "Bearer " + token);
      var openStub = GRPCInferenceServiceGrpc.newBlockingStub(openChannel);
      var securedStub = GRPCInferenceServiceGrpc.newBlockingStub(securedChannel)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(auth));
      register(ModelMeshGrpc.newBlockingStub(openChannel), model);
      register(ModelMeshGrpc.newBlockingStub(securedChannel)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(auth)), model);
      ModelInferRequest request = request();
      List<String[]> rows = new ArrayList<>();
      for (int c : concurrency) {
        double[][] p50 = new double[2][rounds];
        double[][] p99 = new double[2][rounds];
        for (int r = 0; r < rounds; r++) {
          for (int k = 0; k < 2; k++) {
            int target = (r + k) % 2; // rotate which node goes first
            LatencyBenchmark.Result result = target == 0
                ? LatencyBenchmark.measure("jwt off", c, warmup, seconds,
                    () -> openStub.modelInfer(request))
                : LatencyBenchmark.measure(arm, c, warmup, seconds,
                    () -> securedStub.modelInfer(request));
            p50[target][r] = result.p50();
            p99[target][r] = result.p99();
          }
        }
        double[] ratios = new double[rounds];
        for (int r = 0; r < rounds; r++) {
          ratios[r] = p50[1][r] / p50[0][r];
        }
        rows.add(new String[] {Integer.toString(c), spread(p50[0]), spread(p50[1]),
            spread(p99[0]), spread(p99[1]), spread(ratios, "%.3f")});
      }
      System.out.println();
      System.out.printf(Locale.ROOT, "%d rounds x %d s per target, order rotated; median"
          + " [min–max] of the per-round figures%n%n", rounds, seconds);
      System.out.println("| concurrency | p50 off (µs) | p50 " + arm + " (µs) | p99 off (µs) |"
          + " p99 " + arm + " (µs) | p50 ratio " + arm + " / off |");
      System.out.println("|---:|---:|---:|---:|---:|---:|");
      for (String[] row : rows) {
        System.out.println("| " + String.join(" | ", row) + " |");
      }
    } finally {
      openChannel.shutdownNow();
      securedChannel.shutdownNow();
      open.close();
      secured.close();
    }
  }

  private static MeshNode node(Path dir, String... extra) {
    List<String> flags = new ArrayList<>(List.of("--host", "127.0.0.1", "--grpc-port", "0",
        "--rest-port", "0", "--metrics-port", "0", "--internal-port", "0",
        "--data-dir", dir.toString(), "--model-roots", dir.getParent().toString()));
    flags.addAll(List.of(extra));
    return MeshNode.start(NodeOptions.parse(flags, Map.of()), Clock.systemUTC());
  }

  private static void register(ModelMeshGrpc.ModelMeshBlockingStub mesh, Path model) {
    mesh.registerModel(RegisterModelRequest.newBuilder().setModelId("bench").setLoadNow(true)
        .setSync(true).setModelInfo(ModelInfo.newBuilder().setType("onnx")
            .setPath(model.toString())).build());
  }

  private static ModelInferRequest request() {
    ByteBuffer raw = ByteBuffer.allocate(FEATURES * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < FEATURES; i++) {
      raw.putFloat(i / 10f);
    }
    return ModelInferRequest.newBuilder().setModelName("bench")
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input")
            .setDatatype("FP32").addShape(1).addShape(FEATURES))
        .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("logits"))
        .addRawInputContents(ByteString.copyFrom(raw.array())).build();
  }

  private static ManagedChannel channel(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  private static String spread(double[] values) {
    return spread(values, "%.0f");
  }

  private static String spread(double[] values, String format) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
        : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    return String.format(Locale.ROOT, format + " [" + format + "–" + format + "]", median,
        sorted[0], sorted[sorted.length - 1]);
  }
}
