package io.densemesh.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.densemesh.cli.RuntimeCommand;
import io.densemesh.runtime.ModelRuntime;
import io.densemesh.runtime.onnx.OnnxModelRuntime;
import io.densemesh.runtimeserver.RuntimeServer;
import io.densemesh.runtimeserver.RuntimeServerOptions;
import io.densemesh.testing.EtcdProcess;
import io.densemesh.testing.Inference;
import io.densemesh.testing.TestNode;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.stub.MetadataUtils;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * W3C {@code traceparent} crosses a real two-node forward and reaches a remote runtime: the
 * client's trace id is kept, each node's server span is the child of the span that called it.
 */
class TracePropagationIT {

  static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String CLIENT_SPAN = "00f067aa0ba902b7";
  static final Metadata.Key<String> TRACEPARENT =
      Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);

  @TempDir Path dir;
  final InMemorySpanExporter spans = InMemorySpanExporter.create();

  static Metadata traced() {
    Metadata headers = new Metadata();
    headers.put(TRACEPARENT, "00-" + TRACE + "-" + CLIENT_SPAN + "-01");
    return headers;
  }

  List<SpanData> restSpans(String instance) {
    return spans.getFinishedSpanItems().stream()
        .filter(s -> s.getTraceId().equals(TRACE) && s.getKind() == SpanKind.SERVER
            && s.getName().equals("POST ModelInfer")
            && instance.equals(s.getResource().getAttributes().get(
                io.opentelemetry.api.common.AttributeKey.stringKey("service.instance.id"))))
        .toList();
  }

  List<SpanData> inferSpans(String instance) {
    return spans.getFinishedSpanItems().stream()
        .filter(s -> s.getTraceId().equals(TRACE) && s.getKind() == SpanKind.SERVER
            && s.getName().endsWith("/ModelInfer")
            && instance.equals(s.getResource().getAttributes().get(
                io.opentelemetry.api.common.AttributeKey.stringKey("service.instance.id"))))
        .toList();
  }

  @Test
  void aForwardedRequestStaysInTheClientsTrace() throws Exception {
    Path etcdDir = Files.createDirectories(dir.resolve("etcd"));
    try (EtcdProcess etcd = new EtcdProcess(etcdDir)) {
      List<TestNode> nodes = new ArrayList<>();
      try {
        for (String id : List.of("a", "b")) {
          nodes.add(new TestNode(dir.resolve(id), NodeTelemetry.exportingTo(spans, 1.0, id),
              "--instance-id", id, "--etcd", etcd.endpoint(), "--etcd-prefix", "/trace-it/",
              "--lease-ttl", "3s", "--etcd-timeout", "10s", "--drain-timeout", "1s"));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> nodes.stream()
            .allMatch(n -> n.node.registry().view().instances().size() == 2));
        nodes.get(0).register("m", Inference.writeModel(dir.resolve("models"), 9));
        Inference.logits(nodes.get(0).inference.modelInfer(
            Inference.request("m", Inference.row(9))));
        TestNode holder = nodes.stream().filter(n -> n.node.cache().isLoaded("m")).findFirst()
            .orElseThrow();
        TestNode other = nodes.get(0) == holder ? nodes.get(1) : nodes.get(0);
        await().atMost(Duration.ofSeconds(10)).until(() ->
            other.node.registry().view().loadedOn("m").contains(holder.node.config().instanceId()));

        assertThat(Inference.answeredBy(other.inference
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(traced()))
            .modelInfer(Inference.request("m", Inference.row(9))), 9, Inference.row(9)))
            .isTrue();
        assertThat(other.node.cache().isLoaded("m")).as("served by forwarding").isFalse();

        String entry = other.node.config().instanceId();
        String served = holder.node.config().instanceId();
        await().atMost(Duration.ofSeconds(10)).until(() ->
            !inferSpans(entry).isEmpty() && !inferSpans(served).isEmpty());
        SpanData first = inferSpans(entry).get(0);
        SpanData second = inferSpans(served).get(0);
        assertThat(first.getParentSpanId()).as("entry node's span: child of the client's")
            .isEqualTo(CLIENT_SPAN);
        assertThat(second.getParentSpanId()).as("serving node's span: child of the entry's")
            .isEqualTo(first.getSpanId());
        assertThat(second.getAttributes().get(
            io.opentelemetry.api.common.AttributeKey.longKey("rpc.grpc.status_code")))
            .isEqualTo(0L);

        // The same over REST: the entry node's REST span continues the client's trace and the
        // forward to the holder is its child; the answer carries a request id.
        spans.reset();
        float[] row = Inference.row(9);
        String body = "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\","
            + "\"shape\":[1,4],\"data\":[" + row[0] + "," + row[1] + "," + row[2] + ","
            + row[3] + "]}]}";
        java.net.http.HttpResponse<String> rest = other.send(java.net.http.HttpRequest
            .newBuilder(other.rest("/v2/models/m/infer"))
            .header("Content-Type", "application/json")
            .header("traceparent", "00-" + TRACE + "-" + CLIENT_SPAN + "-01")
            .header("X-Request-Id", "req-42")
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build());
        assertThat(rest.statusCode()).as(rest.body()).isEqualTo(200);
        assertThat(rest.headers().firstValue("X-Request-Id")).contains("req-42");
        await().atMost(Duration.ofSeconds(10)).until(() ->
            !restSpans(entry).isEmpty() && !inferSpans(served).isEmpty());
        SpanData restSpan = restSpans(entry).get(0);
        assertThat(restSpan.getParentSpanId()).isEqualTo(CLIENT_SPAN);
        assertThat(inferSpans(served).get(0).getParentSpanId()).as("forward: child of REST span")
            .isEqualTo(restSpan.getSpanId());
        assertThat(restSpan.getAttributes().get(io.opentelemetry.api.common.AttributeKey
            .longKey("http.response.status_code"))).isEqualTo(200L);
      } finally {
        nodes.forEach(TestNode::close);
      }
    }
  }

  @Test
  void theRemoteRuntimeReceivesTheRequestsTraceparent() throws Exception {
    List<String> received = new CopyOnWriteArrayList<>();
    ServerInterceptor recorder = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call,
          Metadata headers, ServerCallHandler<Q, R> next) {
        if (call.getMethodDescriptor().getFullMethodName().endsWith("/ModelInfer")) {
          received.add(String.valueOf(headers.get(TRACEPARENT)));
        }
        return next.startCall(call, headers);
      }
    };
    OnnxModelRuntime onnx = new OnnxModelRuntime(1);
    try (RuntimeServer runtime = RuntimeServer.start(RuntimeCommand.parse(List.of(
            "--listen", "127.0.0.1:0", "--capacity", "64m")), List.<ModelRuntime>of(onnx),
            List.of(recorder));
        TestNode node = new TestNode(dir.resolve("node"),
            NodeTelemetry.exportingTo(spans, 1.0, "n"), "--instance-id", "n",
            "--remote-runtime", "onnx=" + runtime.address())) {
      node.register("r", Inference.writeModel(dir.resolve("models"), 4));
      Inference.logits(node.inference
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(traced()))
          .modelInfer(Inference.request("r", Inference.row(4))));
      await().atMost(Duration.ofSeconds(10)).until(() -> !inferSpans("n").isEmpty());
      SpanData nodeSpan = inferSpans("n").get(0);
      assertThat(received).isNotEmpty();
      assertThat(received.get(received.size() - 1)).as("runtime's parent is the node's span")
          .isEqualTo("00-" + TRACE + "-" + nodeSpan.getSpanId() + "-01");
    }
  }
}
