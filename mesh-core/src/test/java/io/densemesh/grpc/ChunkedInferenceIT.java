package io.densemesh.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.densemesh.api.inference.InferParameter;
import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.api.inference.ModelInferResponse;
import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.api.streaming.TextStreamingGrpc;
import io.densemesh.protocol.ProtoTensorCodec;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.onnx.gen.SampleTextModels;
import io.densemesh.testing.TestNode;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code densemesh.v1.TextStreaming/streamInfer} on a real node with a generated text
 * classifier: chunks in order that match the unary answer, request errors, a client that reads
 * slowly (the node waits instead of running ahead), cancellation and the deadline.
 */
class ChunkedInferenceIT {

  static final long SEED = 5;
  static final List<String> WORDS = List.of("Great fun!", "the acting was awful", "boring",
      "not very good movie", "the plot was great , the acting good");
  /** Rows per chunk in the flow-control tests: each answer (all outputs) is then about 36 KB. */
  static final int BIG_CHUNK = 1024;
  /** Chunks of the flow-control tests' request. */
  static final int BIG_CHUNKS = 60;
  /**
   * Chunks a paused client may let the node make: what the 64 KB window and gRPC's 32 KB send
   * buffer take (about 3 answers), the one held for readiness, and one more.
   */
  static final int RUN_AHEAD = 6;

  @TempDir static Path dir;
  static TestNode node;
  /** A channel with a small HTTP/2 window, so a client that stops reading stops the node soon. */
  static ManagedChannel narrow;

  @BeforeAll
  static void start() throws Exception {
    node = new TestNode(dir.resolve("registry"));
    Path model = SampleTextModels.writeClassifier(dir.resolve("sentiment"), SEED);
    node.mesh.registerModel(RegisterModelRequest.newBuilder().setModelId("sentiment")
        .setModelInfo(ModelInfo.newBuilder().setType("text").setPath(model.toString())).build());
    narrow = NettyChannelBuilder.forAddress("127.0.0.1", node.node.grpcPort()).usePlaintext()
        .flowControlWindow(64 * 1024).build();
  }

  @AfterAll
  static void stop() {
    narrow.shutdownNow();
    node.close();
  }

  static List<String> texts(int n) {
    List<String> texts = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      texts.add(WORDS.get(i % WORDS.size()) + (i % 7 == 0 ? " movie" : ""));
    }
    return texts;
  }

  static ModelInferRequest request(String model, List<String> texts, String chunkSize) {
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    for (String t : texts) {
      byte[] b = t.getBytes(StandardCharsets.UTF_8);
      raw.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length)
          .array());
      raw.writeBytes(b);
    }
    ModelInferRequest.Builder request = ModelInferRequest.newBuilder().setModelName(model)
        .setId("req-1")
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("text")
            .setDatatype("BYTES").addShape(texts.size()))
        .addRawInputContents(ByteString.copyFrom(raw.toByteArray()))
        .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("label"));
    if (chunkSize != null) {
      request.putParameters(ChunkedInference.CHUNK_SIZE,
          InferParameter.newBuilder().setStringParam(chunkSize).build());
    }
    return request.build();
  }

  static List<String> labels(ModelInferResponse r) {
    Tensor label = ProtoTensorCodec.outputs(r).stream().filter(t -> t.name().equals("label"))
        .findFirst().orElseThrow();
    ByteBuffer b = label.data();
    List<String> out = new ArrayList<>();
    while (b.hasRemaining()) {
      byte[] s = new byte[b.getInt()];
      b.get(s);
      out.add(new String(s, StandardCharsets.UTF_8));
    }
    return out;
  }

  /** Inferences served by the node so far (each chunk is one). */
  static long served() {
    long total = 0;
    for (String line : node.scrapeMetrics().split("\n")) {
      if (line.startsWith("densemesh_inference_seconds_count{")) {
        total += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return total;
  }

  /** A long batch asking for all outputs, so each chunk's answer is large. */
  static ModelInferRequest big() {
    return request("sentiment", texts(BIG_CHUNK * BIG_CHUNKS), Integer.toString(BIG_CHUNK))
        .toBuilder().clearOutputs().build();
  }

  @Test
  void chunksComeInOrderAndMatchTheUnaryAnswer() {
    List<String> texts = texts(50);
    ModelInferRequest request = request("sentiment", texts, "8");

    List<ModelInferResponse> chunks = new ArrayList<>();
    TextStreamingGrpc.newBlockingStub(node.channel).withDeadlineAfter(60, TimeUnit.SECONDS)
        .streamInfer(request).forEachRemaining(chunks::add);
    ModelInferResponse unary = node.inference.modelInfer(request.toBuilder()
        .removeParameters(ChunkedInference.CHUNK_SIZE).build());

    assertThat(chunks).hasSize(7);
    List<String> streamed = new ArrayList<>();
    for (int k = 0; k < chunks.size(); k++) {
      ModelInferResponse c = chunks.get(k);
      assertThat(c.getId()).isEqualTo("req-1");
      assertThat(c.getModelName()).isEqualTo("sentiment");
      assertThat(c.getParametersMap().get(ChunkedInference.OFFSET).getInt64Param())
          .isEqualTo(8L * k);
      assertThat(c.getOutputs(0).getShapeList()).containsExactly(k < 6 ? 8L : 2L);
      streamed.addAll(labels(c));
    }
    assertThat(streamed).isEqualTo(labels(unary));
    assertThat(streamed).isEqualTo(texts.stream()
        .map(t -> SampleTextModels.referenceLabel(SEED, t)).toList());
  }

  @Test
  void theDefaultChunkIsSixteenRows() {
    List<ModelInferResponse> chunks = new ArrayList<>();
    TextStreamingGrpc.newBlockingStub(node.channel).withDeadlineAfter(60, TimeUnit.SECONDS)
        .streamInfer(request("sentiment", texts(40), null)).forEachRemaining(chunks::add);

    assertThat(chunks).extracting(c -> c.getOutputs(0).getShape(0))
        .containsExactly(16L, 16L, 8L);
  }

  @Test
  void badRequestsEndTheStreamWithTheirStatus() {
    record Case(ModelInferRequest request, Status.Code code, String says) {}
    for (Case c : List.of(
        new Case(request("sentiment", texts(3), "0"), Status.Code.INVALID_ARGUMENT,
            "chunk_size"),
        new Case(request("sentiment", texts(3), "5000"), Status.Code.INVALID_ARGUMENT,
            "chunk_size"),
        new Case(request("missing", texts(3), "2"), Status.Code.NOT_FOUND, "missing"),
        new Case(request("sentiment", texts(3), "2").toBuilder().setInputs(0,
            request("sentiment", texts(3), "2").getInputs(0).toBuilder().clearShape()).build(),
            Status.Code.INVALID_ARGUMENT, ""))) {
      Iterator<ModelInferResponse> answers = TextStreamingGrpc.newBlockingStub(node.channel)
          .withDeadlineAfter(30, TimeUnit.SECONDS).streamInfer(c.request());
      assertThatThrownBy(() -> answers.forEachRemaining(r -> { }))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).as(c.says()).isEqualTo(c.code());
            assertThat(e.getStatus().getDescription()).contains(c.says());
          });
    }
  }

  /** A stream read one message at a time on demand: what arrived, and how it ended. */
  static final class PulledStream implements ClientResponseObserver<ModelInferRequest,
      ModelInferResponse> {
    final List<ModelInferResponse> received = new CopyOnWriteArrayList<>();
    final CompletableFuture<Status> ended = new CompletableFuture<>();
    final AtomicReference<ClientCallStreamObserver<ModelInferRequest>> call =
        new AtomicReference<>();

    @Override
    public void beforeStart(ClientCallStreamObserver<ModelInferRequest> requestStream) {
      call.set(requestStream);
      requestStream.disableAutoRequestWithInitial(1);
    }

    @Override
    public void onNext(ModelInferResponse value) {
      received.add(value);
    }

    @Override
    public void onError(Throwable t) {
      ended.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      ended.complete(Status.OK);
    }
  }

  /** How long a paused client holds still: 8 times its first chunk, 3 to 60 seconds. */
  static Duration hold(Duration firstChunk) {
    Duration eight = firstChunk.multipliedBy(8);
    return eight.compareTo(Duration.ofSeconds(3)) < 0 ? Duration.ofSeconds(3)
        : eight.compareTo(Duration.ofSeconds(60)) > 0 ? Duration.ofSeconds(60) : eight;
  }

  @Test
  void aClientThatReadsSlowlyHoldsTheNodeBackAndStillGetsEverything() throws Exception {
    List<String> texts = texts(BIG_CHUNK * BIG_CHUNKS);
    long before = served();
    PulledStream stream = new PulledStream();
    long start = System.nanoTime();
    TextStreamingGrpc.newStub(narrow).withDeadlineAfter(300, TimeUnit.SECONDS)
        .streamInfer(big(), stream);

    await().atMost(Duration.ofSeconds(60)).until(() -> stream.received.size() == 1);
    // The client reads nothing more: the node may fill the small window, then has to wait. A
    // node that ran ahead would serve more than RUN_AHEAD chunks while the client holds still
    // for the time of 8 first chunks (however loaded the machine is).
    Duration hold = hold(Duration.ofNanos(System.nanoTime() - start));
    await().during(hold).atMost(hold.plusSeconds(30))
        .until(() -> served() - before <= RUN_AHEAD);
    for (int i = 1; i < BIG_CHUNKS; i++) {
      stream.call.get().request(1);
      int want = i + 1;
      await().atMost(Duration.ofSeconds(60)).until(() -> stream.received.size() >= want);
    }

    assertThat(stream.ended.get(60, TimeUnit.SECONDS)).isEqualTo(Status.OK);
    assertThat(stream.received).hasSize(BIG_CHUNKS);
    for (int k = 0; k < BIG_CHUNKS; k += 13) {
      ModelInferResponse c = stream.received.get(k);
      assertThat(c.getParametersMap().get(ChunkedInference.OFFSET).getInt64Param())
          .isEqualTo((long) k * BIG_CHUNK);
      assertThat(labels(c).get(0)).isEqualTo(SampleTextModels.referenceLabel(SEED,
          texts.get(k * BIG_CHUNK)));
    }
    assertThat(served() - before).isEqualTo(BIG_CHUNKS);
  }

  @Test
  void aCancelledStreamStopsServingChunks() throws Exception {
    long before = served();
    PulledStream stream = new PulledStream();
    long start = System.nanoTime();
    TextStreamingGrpc.newStub(narrow).withDeadlineAfter(300, TimeUnit.SECONDS)
        .streamInfer(big(), stream);
    await().atMost(Duration.ofSeconds(60)).until(() -> stream.received.size() == 1);
    Duration hold = hold(Duration.ofNanos(System.nanoTime() - start));
    stream.call.get().request(1);
    await().atMost(Duration.ofSeconds(60)).until(() -> stream.received.size() == 2);

    stream.call.get().cancel("the client is done", null);

    assertThat(stream.ended.get(30, TimeUnit.SECONDS).getCode())
        .isEqualTo(Status.Code.CANCELLED);
    await().during(hold).atMost(hold.plusSeconds(30))
        .until(() -> served() - before <= 2 + RUN_AHEAD);
    // The node is none the worse: another stream is served in full.
    List<ModelInferResponse> after = new ArrayList<>();
    TextStreamingGrpc.newBlockingStub(node.channel).withDeadlineAfter(60, TimeUnit.SECONDS)
        .streamInfer(request("sentiment", texts(5), "2")).forEachRemaining(after::add);
    assertThat(after).hasSize(3);
  }

  @Test
  void theDeadlineEndsAStreamWhoseClientStoppedReading() throws Exception {
    PulledStream stream = new PulledStream();
    TextStreamingGrpc.newStub(narrow).withDeadlineAfter(3, TimeUnit.SECONDS)
        .streamInfer(big(), stream);

    assertThat(stream.ended.get(60, TimeUnit.SECONDS).getCode())
        .isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(stream.received.size()).isLessThan(BIG_CHUNKS);
  }
}
