package io.densemesh.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.sun.net.httpserver.HttpServer;
import io.densemesh.api.mmesh.EnsureLoadedRequest;
import io.densemesh.api.mmesh.GetStatusRequest;
import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.ModelStatusInfo.ModelStatus;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.api.mmesh.SetVModelRequest;
import io.densemesh.api.mmesh.VModelStatusInfo;
import io.densemesh.api.mmesh.VModelStatusInfo.VModelStatus;
import io.densemesh.testing.Inference;
import io.densemesh.testing.TestNode;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ModelMesh API behaves as upstream ModelMesh's where a client written for it would notice
 * (each case checked against upstream's {@code ModelMesh}, {@code VModelManager} and
 * {@code ModelMeshApi}), over real gRPC on one node.
 */
class ModelMeshSemanticsIT {

  static final long HOUR = Duration.ofHours(1).toMillis();

  @TempDir static Path dir;
  static TestNode node;
  static HttpServer stalling;
  static final CountDownLatch release = new CountDownLatch(1);

  @BeforeAll
  static void start() throws Exception {
    node = new TestNode(dir.resolve("registry"), "--load-timeout", "2s",
        "--download-timeout", "5m", "--storage-allow-hosts", "127.0.0.1");
    stalling = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    stalling.setExecutor(Executors.newCachedThreadPool());
    stalling.createContext("/", exchange -> {
      try (exchange; OutputStream body = exchange.getResponseBody()) {
        exchange.sendResponseHeaders(200, 1000);
        body.write(new byte[10]);
        body.flush();
        release.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    stalling.start();
  }

  @AfterAll
  static void stop() {
    release.countDown();
    stalling.stop(0);
    node.close();
  }

  static ModelInfo onnx(long seed) {
    return ModelInfo.newBuilder().setType("onnx")
        .setPath(Inference.writeModel(dir.resolve("models"), seed).toString()).build();
  }

  static void assertCode(ThrowingCallable call, Status.Code code) {
    assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code));
  }

  static boolean registered(String id) {
    return node.node.registry().model(id).isPresent();
  }

  static long lastUsed(String id) {
    return node.node.registry().model(id).orElseThrow().value().getLastUsed();
  }

  @Test
  void ensureLoadedOfAnUnknownIdIsNotFound() {
    assertCode(() -> node.mesh.ensureLoaded(EnsureLoadedRequest.newBuilder()
        .setModelId("never-registered").build()), Status.Code.NOT_FOUND);
  }

  @Test
  void registrationBackDatesLastUsedAsModelMeshDoes() {
    long now = System.currentTimeMillis();
    node.mesh.registerModel(RegisterModelRequest.newBuilder().setModelId("idle")
        .setModelInfo(onnx(1)).build());
    assertThat(lastUsed("idle")).as("not loaded now: six hours back")
        .isCloseTo(now - 6 * HOUR, within(60_000L));

    node.mesh.registerModel(RegisterModelRequest.newBuilder().setModelId("eager")
        .setModelInfo(onnx(2)).setLoadNow(true).build());
    assertThat(lastUsed("eager")).as("loaded now: one hour back")
        .isCloseTo(now - HOUR, within(60_000L));

    node.mesh.registerModel(RegisterModelRequest.newBuilder().setModelId("future")
        .setModelInfo(onnx(3)).setLastUsedTime(now + 10 * HOUR).build());
    assertThat(lastUsed("future")).as("a future time is now").isCloseTo(now, within(60_000L));

    long given = now - 3 * 24 * HOUR;
    node.mesh.registerModel(RegisterModelRequest.newBuilder().setModelId("given")
        .setModelInfo(onnx(4)).setLastUsedTime(given).build());
    assertThat(lastUsed("given")).isEqualTo(given);

    // Re-registering with a time more than an hour newer moves it forward; less does not.
    node.mesh.registerModel(RegisterModelRequest.newBuilder().setModelId("given")
        .setModelInfo(onnx(4)).setLastUsedTime(given + HOUR / 2).build());
    assertThat(lastUsed("given")).isEqualTo(given);
    node.mesh.registerModel(RegisterModelRequest.newBuilder().setModelId("given")
        .setModelInfo(onnx(4)).setLastUsedTime(given + 2 * HOUR).build());
    assertThat(lastUsed("given")).isEqualTo(given + 2 * HOUR);
  }

  @Test
  void anEmptyModelInfoIsTreatedAsAbsent() {
    assertCode(() -> node.mesh.setVModel(SetVModelRequest.newBuilder().setVModelId("v-empty")
        .setTargetModelId("t-empty").setModelInfo(ModelInfo.getDefaultInstance()).build()),
        Status.Code.NOT_FOUND);
    assertThat(registered("t-empty")).isFalse();
  }

  @Test
  void aRefusedSetVModelRegistersNothing() {
    node.mesh.setVModel(SetVModelRequest.newBuilder().setVModelId("owned").setOwner("alice")
        .setTargetModelId("owned__v1").setModelInfo(onnx(10)).build());

    assertCode(() -> node.mesh.setVModel(SetVModelRequest.newBuilder().setVModelId("owned")
        .setOwner("bob").setTargetModelId("owned__bob").setModelInfo(onnx(11))
        .setAutoDeleteTargetModel(true).build()), Status.Code.ALREADY_EXISTS);
    assertThat(registered("owned__bob")).as("owner refused: no orphan").isFalse();

    assertCode(() -> node.mesh.setVModel(SetVModelRequest.newBuilder().setVModelId("missing")
        .setUpdateOnly(true).setTargetModelId("missing__v1").setModelInfo(onnx(12))
        .setAutoDeleteTargetModel(true).build()), Status.Code.NOT_FOUND);
    assertThat(registered("missing__v1")).as("updateOnly refused: no orphan").isFalse();

    // The owner must match exactly here (an empty owner no longer matches any vmodel).
    assertCode(() -> node.mesh.setVModel(SetVModelRequest.newBuilder().setVModelId("owned")
        .setOwner("alice").setTargetModelId("owned__v2").setExpectedTargetModelId("owned__v0")
        .setModelInfo(onnx(13)).setAutoDeleteTargetModel(true).build()),
        Status.Code.FAILED_PRECONDITION);
    assertThat(registered("owned__v2")).as("expected target refused: no orphan").isFalse();
    assertThat(node.node.registry().vmodel("owned").orElseThrow().value().getTargetModelId())
        .isEqualTo("owned__v1");
  }

  @Test
  void settingTheCurrentTargetAgainChangesNothing() {
    SetVModelRequest set = SetVModelRequest.newBuilder().setVModelId("stable")
        .setTargetModelId("stable__v1").setModelInfo(onnx(20)).build();
    node.mesh.setVModel(set);
    long version = node.node.registry().vmodel("stable").orElseThrow().version();
    VModelStatusInfo again = node.mesh.setVModel(set.toBuilder()
        .setExpectedTargetModelId("stable__v0").build()); // expected or current: accepted
    assertThat(again.getStatus()).isEqualTo(VModelStatus.DEFINED);
    assertThat(node.node.registry().vmodel("stable").orElseThrow().version())
        .as("no write").isEqualTo(version);
  }

  @Test
  void aTransitionFromAModelWithNoCopiesSwitchesAtOnceWithoutLoadingTheTarget() {
    node.mesh.setVModel(SetVModelRequest.newBuilder().setVModelId("cold")
        .setTargetModelId("cold__v1").setModelInfo(onnx(30)).build());
    VModelStatusInfo moved = node.mesh.setVModel(SetVModelRequest.newBuilder()
        .setVModelId("cold").setTargetModelId("cold__v2").setModelInfo(onnx(31)).build());
    assertThat(moved.getStatus()).isEqualTo(VModelStatus.DEFINED);
    assertThat(moved.getActiveModelId()).isEqualTo("cold__v2");
    assertThat(node.node.cache().copyState("cold__v2")).as("idle target not loaded").isEmpty();
  }

  @Test
  void aSyncSetVModelWhoseTransitionOutlastsItsTimeoutFails() {
    node.mesh.setVModel(SetVModelRequest.newBuilder().setVModelId("slow")
        .setTargetModelId("slow__v1").setModelInfo(onnx(40)).setLoadNow(true).setSync(true)
        .build());
    assertThat(node.mesh.getModelStatus(GetStatusRequest.newBuilder().setModelId("slow__v1")
        .build()).getStatus()).isEqualTo(ModelStatus.LOADED);
    ModelInfo stalled = ModelInfo.newBuilder().setType("onnx")
        .setPath("http://127.0.0.1:" + stalling.getAddress().getPort() + "/stalled.onnx").build();
    assertCode(() -> node.mesh.setVModel(SetVModelRequest.newBuilder().setVModelId("slow")
        .setTargetModelId("slow__v2").setModelInfo(stalled).setSync(true).build()),
        Status.Code.DEADLINE_EXCEEDED);
    assertThat(node.node.registry().vmodel("slow").orElseThrow().value().getActiveModelId())
        .as("still on the loaded model").isEqualTo("slow__v1");
  }

  @Test
  void bothRoutingHeadersOrAnEmptyOneAreInvalid() {
    node.mesh.registerModel(RegisterModelRequest.newBuilder().setModelId("routed")
        .setModelInfo(onnx(50)).build());
    Metadata both = new Metadata();
    both.put(Metadata.Key.of("mm-model-id", Metadata.ASCII_STRING_MARSHALLER), "routed");
    both.put(Metadata.Key.of("mm-vmodel-id", Metadata.ASCII_STRING_MARSHALLER), "stable");
    assertCode(() -> node.inference.withInterceptors(
            MetadataUtils.newAttachHeadersInterceptor(both))
        .modelInfer(Inference.request("routed", Inference.row(50))),
        Status.Code.INVALID_ARGUMENT);
    Metadata empty = new Metadata();
    empty.put(Metadata.Key.of("mm-model-id-bin", Metadata.BINARY_BYTE_MARSHALLER),
        "".getBytes(StandardCharsets.UTF_8));
    assertCode(() -> node.inference.withInterceptors(
            MetadataUtils.newAttachHeadersInterceptor(empty))
        .modelInfer(Inference.request("routed", Inference.row(50))),
        Status.Code.INVALID_ARGUMENT);
    Metadata one = new Metadata();
    one.put(Metadata.Key.of("mm-model-id", Metadata.ASCII_STRING_MARSHALLER), "routed");
    assertThat(Inference.answeredBy(node.inference.withInterceptors(
            MetadataUtils.newAttachHeadersInterceptor(one))
        .modelInfer(Inference.request("", Inference.row(50))), 50, Inference.row(50))).isTrue();
  }
}
