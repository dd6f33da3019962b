package io.densemesh.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.densemesh.cli.RuntimeCommand;
import io.densemesh.api.inference.InferTensorContents;
import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.api.inference.ModelInferResponse;
import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.ModelRuntimeGrpc;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.api.mmesh.UnloadModelRequest;
import io.densemesh.api.mmesh.UnregisterModelRequest;
import io.densemesh.config.NodeOptions;
import io.densemesh.config.GrpcAddress;
import io.densemesh.runtime.ModelRuntime;
import io.densemesh.runtime.onnx.OnnxModelRuntime;
import io.densemesh.runtime.onnx.gen.SampleModels;
import io.densemesh.runtime.onnx.gen.SampleTextModels;
import io.densemesh.runtime.text.TextModelRuntime;
import io.densemesh.runtimeserver.RuntimeServer;
import io.densemesh.runtimeserver.RuntimeServerOptions;
import io.densemesh.testing.FakeRuntime;
import io.densemesh.testing.TestNode;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import io.densemesh.testing.Inference;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.stub.MetadataUtils;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node attached to a real runtime server ({@code densemesh runtime}, in this JVM) over the
 * ModelMesh runtime SPI on loopback: models load, serve, unload, survive a runtime restart and a
 * runtime that lost a model; a load the runtime does not finish in time is cancelled and
 * unloaded.
 */
class RemoteRuntimeIT {

  static final int F = 4;
  static final int C = 3;
  static final long SEED = 21;
  static OnnxModelRuntime onnx;

  @TempDir Path dir;
  final List<AutoCloseable> open = new ArrayList<>();
  final FakeRuntime fake = new FakeRuntime();
  final CallLog log = new CallLog();

  @BeforeAll
  static void engine() {
    onnx = new OnnxModelRuntime(1);
  }

  @AfterEach
  void closeAll() throws Exception {
    fake.gate.countDown();
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  RuntimeServer runtime(String listen, String loadTimeout) {
    RuntimeServerOptions options = RuntimeCommand.parse(List.of("--listen", listen,
        "--capacity", "64m", "--load-timeout", loadTimeout));
    List<ModelRuntime> runtimes = List.of(onnx, new TextModelRuntime(onnx), fake);
    RuntimeServer server = RuntimeServer.start(options, runtimes, List.of(log));
    open.add(server);
    return server;
  }

  TestNode node(GrpcAddress runtime) {
    TestNode node = new TestNode(dir.resolve("registry"), "--remote-runtime",
        "onnx,text,fake=" + runtime, "--failure-backoff", "0s");
    open.add(node);
    return node;
  }

  static void register(TestNode node, String id, String type, Path path) {
    node.mesh.registerModel(RegisterModelRequest.newBuilder().setModelId(id)
        .setModelInfo(ModelInfo.newBuilder().setType(type).setPath(path.toString())).build());
  }

  Path linear() throws Exception {
    Path file = dir.resolve("linear.onnx");
    Files.write(file, SampleModels.linearClassifier(SEED, F, C));
    return file;
  }

  static final float[] ROW = {0.25f, -1f, 1.5f, 2f};

  static void assertLinearAnswers(TestNode node, String id) {
    ByteBuffer raw = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : ROW) {
      raw.putFloat(v);
    }
    ModelInferResponse r = node.inference.modelInfer(ModelInferRequest.newBuilder()
        .setModelName(id)
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input")
            .setDatatype("FP32").addShape(1).addShape(F))
        .addRawInputContents(ByteString.copyFrom(raw.flip()))
        .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("logits"))
        .build());
    assertThat(r.getOutputs(0).getName()).isEqualTo("logits");
    ByteBuffer out = r.getRawOutputContents(0).asReadOnlyByteBuffer()
        .order(ByteOrder.LITTLE_ENDIAN);
    for (float expected : SampleModels.expectedLogits(SEED, F, C, ROW)) {
      assertThat(out.getFloat()).isCloseTo(expected, within(1e-4f));
    }
  }

  @Test
  void modelsServeThroughTheRuntimeAndUnregisterUnloadsThem() throws Exception {
    RuntimeServer server = runtime("127.0.0.1:0", "60s");
    TestNode node = node(server.address());
    assertThat(node.node.cache().capacityBytes()).as("the runtime's capacity bounds the node")
        .isEqualTo(64L << 20);

    register(node, "linear", "onnx", linear());
    assertLinearAnswers(node, "linear");
    assertThat(server.modelIds()).containsExactly("linear");
    assertThat(log.calls).containsSubsequence("status", "load:linear");

    Path text = SampleTextModels.writeClassifier(dir.resolve("sentiment"), SEED);
    register(node, "sentiment", "text", text);
    ModelInferResponse r = node.inference.modelInfer(ModelInferRequest.newBuilder()
        .setModelName("sentiment")
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("text")
            .setDatatype("BYTES").addShape(1).setContents(InferTensorContents.newBuilder()
                .addBytesContents(ByteString.copyFromUtf8("great fun"))))
        .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("label"))
        .build());
    assertThat(r.getOutputs(0).getContents().getBytesContentsCount())
        .as("typed contents in, typed contents out").isEqualTo(1);
    assertThat(r.getOutputs(0).getContents().getBytesContents(0).toStringUtf8())
        .isEqualTo(SampleTextModels.referenceLabel(SEED, "great fun"));

    node.mesh.unregisterModel(UnregisterModelRequest.newBuilder().setModelId("linear").build());
    await().atMost(Duration.ofSeconds(20)).until(() -> log.count("unload:linear") == 1);
    assertThat(server.modelIds()).containsExactly("sentiment");
  }

  /** As ModelMesh: the mm-model-id pair and the client's headers reach the runtime, and its
   * response headers reach the client. */
  @Test
  void headersPassBetweenTheClientAndTheRuntimeBothWays() throws Exception {
    List<Metadata> seen = new CopyOnWriteArrayList<>();
    Metadata.Key<String> note = Metadata.Key.of("x-runtime-note", Metadata.ASCII_STRING_MARSHALLER);
    Metadata.Key<String> tenant = Metadata.Key.of("x-tenant", Metadata.ASCII_STRING_MARSHALLER);
    ServerInterceptor recorder = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        if (!call.getMethodDescriptor().getFullMethodName().endsWith("/ModelInfer")) {
          return next.startCall(call, headers);
        }
        seen.add(headers);
        return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void sendHeaders(Metadata responseHeaders) {
            responseHeaders.put(note, "from-runtime");
            super.sendHeaders(responseHeaders);
          }
        }, headers);
      }
    };
    RuntimeServerOptions options = RuntimeCommand.parse(List.of("--listen", "127.0.0.1:0",
        "--capacity", "64m"));
    RuntimeServer server = RuntimeServer.start(options, List.of(onnx), List.of(recorder));
    open.add(server);
    TestNode node = node(server.address());
    register(node, "linear", "onnx", linear());
    Metadata sent = new Metadata();
    sent.put(tenant, "acme");
    AtomicReference<Metadata> answered = new AtomicReference<>();
    node.inference.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(sent),
            MetadataUtils.newCaptureMetadataInterceptor(answered, new AtomicReference<>()))
        .modelInfer(Inference.request("linear", ROW));
    Metadata atRuntime = seen.get(seen.size() - 1);
    assertThat(atRuntime.get(Metadata.Key.of("mm-model-id", Metadata.ASCII_STRING_MARSHALLER)))
        .isEqualTo("linear");
    assertThat(new String(atRuntime.get(Metadata.Key.of("mm-model-id-bin",
        Metadata.BINARY_BYTE_MARSHALLER)), StandardCharsets.UTF_8)).isEqualTo("linear");
    assertThat(atRuntime.get(tenant)).as("client header passed on").isEqualTo("acme");
    assertThat(answered.get().get(note)).as("runtime header passed back")
        .isEqualTo("from-runtime");
  }

  @Test
  void aRestartedRuntimeIsDetectedAndItsModelsReloadOnDemand() throws Exception {
    RuntimeServer first = runtime("127.0.0.1:0", "60s");
    GrpcAddress address = first.address();
    TestNode node = node(address);
    register(node, "linear", "onnx", linear());
    assertLinearAnswers(node, "linear");
    assertThat(node.node.cache().isLoaded("linear")).isTrue();

    first.close();
    await().atMost(Duration.ofSeconds(20))
        .until(() -> !node.node.cache().isLoaded("linear"));
    RuntimeServer second = runtime(address.toString(), "60s");
    assertThat(second.modelIds()).isEmpty();

    assertLinearAnswers(node, "linear");
    assertThat(second.modelIds()).containsExactly("linear");
    assertThat(log.count("load:linear")).isEqualTo(2);
    assertThat(log.calls.subList(log.calls.lastIndexOf("status"), log.calls.size()))
        .as("the node asked the new process for its status before loading again")
        .contains("load:linear");
  }

  @Test
  void notFoundFromTheRuntimeEvictsTheStaleCopy() throws Exception {
    RuntimeServer server = runtime("127.0.0.1:0", "60s");
    TestNode node = node(server.address());
    register(node, "linear", "onnx", linear());
    assertLinearAnswers(node, "linear");

    ManagedChannel direct = Channels.channel(server.address(), 1 << 20);
    open.add(direct::shutdownNow);
    ModelRuntimeGrpc.newBlockingStub(direct)
        .unloadModel(UnloadModelRequest.newBuilder().setModelId("linear").build());

    assertThatThrownBy(() -> assertLinearAnswers(node, "linear"))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getStatus().getDescription()).contains("no longer holds model 'linear'");
        });
    assertThat(node.node.cache().isLoaded("linear")).isFalse();

    assertLinearAnswers(node, "linear");
    assertThat(log.count("load:linear")).isEqualTo(2);
  }

  @Test
  void aLoadTheRuntimeDoesNotFinishInTimeIsCancelledAndUnloaded() throws Exception {
    fake.gate = new CountDownLatch(1);
    RuntimeServer server = runtime("127.0.0.1:0", "300ms");
    TestNode node = node(server.address());
    Path artifact = Files.writeString(dir.resolve("slow.bin"), "x");
    register(node, "slow", "fake", artifact);

    assertThatThrownBy(() -> node.inference.modelInfer(ModelInferRequest.newBuilder()
        .setModelName("slow")
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("x")
            .setDatatype("FP32").addShape(1)
            .setContents(InferTensorContents.newBuilder().addFp32Contents(1f)))
        .build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
          assertThat(e.getStatus().getDescription()).contains("load timeout");
        });
    await().atMost(Duration.ofSeconds(20)).until(() -> log.count("unload:slow") == 1);
    assertThat(log.calls).containsSubsequence("load:slow", "unload:slow");

    fake.gate.countDown(); // the runtime's load finishes only now, after the unload
    await().atMost(Duration.ofSeconds(20)).until(() -> fake.loadsOf("slow") == 1
        && fake.open.isEmpty() && server.modelIds().isEmpty());
  }

  @Test
  void aRuntimeThatNeverAnswersReadyIsAClearStartError() {
    assertThatThrownBy(() -> new TestNode(dir.resolve("registry"), "--remote-runtime",
        "onnx=127.0.0.1:1", "--load-timeout", "500ms"))
        .hasMessageContaining("is not READY")
        .hasMessageContaining("127.0.0.1:1");
    assertThat(NodeOptions.names()).contains("remote-runtime");
  }
}
