package io.densemesh.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.densemesh.api.inference.GRPCInferenceServiceGrpc;
import io.densemesh.api.inference.ModelReadyRequest;
import io.densemesh.api.mmesh.UnregisterModelRequest;
import io.densemesh.config.GrpcAddress;
import io.densemesh.runtime.onnx.gen.SampleModels;
import io.densemesh.testing.TestNode;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code densemesh runtime} as a real separate JVM on a Unix domain socket, a node attached to
 * it: serve, unregister (the process unloads), kill and restart the process (the node purges and
 * reloads).
 */
class RuntimeProcessIT {

  @TempDir Path dir;
  Process process;
  TestNode node;
  ManagedChannel direct;

  @AfterEach
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (direct != null) {
      direct.shutdownNow();
    }
    kill();
  }

  /** Launches the runtime with the test classpath (in an @argfile: the classpath is long). */
  Process launch(GrpcAddress address, String name) throws IOException {
    Path argfile = dir.resolve(name + ".args");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Files.writeString(argfile, String.join("\n",
        "-cp", quote(System.getProperty("java.class.path")),
        "-DDJL_CACHE_DIR=" + quote(System.getProperty("DJL_CACHE_DIR", dir.resolve("djl")
            .toString())),
        "io.densemesh.cli.Main", "runtime", "--listen", quote(address.toString()),
        "--capacity", "32m"));
    Process p = new ProcessBuilder(java, "@" + argfile)
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve(name + ".log").toFile())
        .start();
    await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(address.socket())
        || !p.isAlive());
    assertThat(p.isAlive()).as("runtime process started; see " + name + ".log").isTrue();
    return p;
  }

  private static String quote(String value) {
    return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  void kill() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }

  boolean runtimeHolds(String id) {
    Metadata headers = new Metadata();
    headers.put(RawCalls.MODEL_ID, id);
    return GRPCInferenceServiceGrpc.newBlockingStub(direct)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .modelReady(ModelReadyRequest.newBuilder().setName(id).build()).getReady();
  }

  @Test
  void nodeServesFromARuntimeProcessAndSurvivesItsRestart() throws Exception {
    GrpcAddress address = GrpcAddress.parse("test", "unix:" + dir.resolve("rt.sock"));
    process = launch(address, "first");
    node = new TestNode(dir.resolve("registry"), "--remote-runtime", "onnx=" + address);
    direct = Channels.channel(address, 1 << 20);
    assertThat(node.node.cache().capacityBytes()).isEqualTo(32L << 20);

    Path a = Files.write(dir.resolve("a.onnx"), SampleModels.linearClassifier(RemoteRuntimeIT.SEED,
        RemoteRuntimeIT.F, RemoteRuntimeIT.C));
    Path b = Files.write(dir.resolve("b.onnx"), SampleModels.linearClassifier(
        RemoteRuntimeIT.SEED, RemoteRuntimeIT.F, RemoteRuntimeIT.C));
    RemoteRuntimeIT.register(node, "a", "onnx", a);
    RemoteRuntimeIT.register(node, "b", "onnx", b);
    RemoteRuntimeIT.assertLinearAnswers(node, "a");
    RemoteRuntimeIT.assertLinearAnswers(node, "b");
    assertThat(runtimeHolds("a")).isTrue();

    node.mesh.unregisterModel(UnregisterModelRequest.newBuilder().setModelId("b").build());
    await().atMost(Duration.ofSeconds(20)).until(() -> !runtimeHolds("b"));
    assertThat(runtimeHolds("a")).isTrue();

    kill();
    await().atMost(Duration.ofSeconds(20)).until(() -> !node.node.cache().isLoaded("a"));
    assertThatThrownBy(() -> runtimeHolds("a")).isInstanceOfSatisfying(
        StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));

    process = launch(address, "second");
    direct.resetConnectBackoff(); // the test's own channel saw the socket vanish
    RemoteRuntimeIT.assertLinearAnswers(node, "a");
    assertThat(node.node.cache().isLoaded("a")).isTrue();
    assertThat(runtimeHolds("a")).isTrue();
    assertThat(runtimeHolds("b")).isFalse();
  }
}
