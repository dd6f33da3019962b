package io.densemesh.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.DynamicMessage;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.densemesh.api.mmesh.ModelStatusInfo.ModelStatus;
import io.densemesh.testing.EtcdProcess;
import io.densemesh.testing.Inference;
import io.densemesh.testing.TestNode;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What stock tools see on a node's client port: {@code grpc.health.v1.Health} per service (and
 * NOT_SERVING while the node drains), and server reflection (v1 and v1alpha) good enough to call
 * the ModelMesh API with no proto files, as {@code grpcurl} does.
 */
class HealthReflectionIT {

  @TempDir Path dir;

  static ServingStatus health(ManagedChannel channel, String service) {
    return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
  }

  @Test
  void everyServiceOfTheClientPortIsServingAndUnknownOnesAreNotFound() {
    try (TestNode node = new TestNode(dir.resolve("registry"))) {
      for (String service : List.of("", "inference.GRPCInferenceService", "mmesh.ModelMesh",
          "densemesh.v1.MeshAdmin", "densemesh.v1.TextStreaming")) {
        assertThat(health(node.channel, service)).as(service).isEqualTo(ServingStatus.SERVING);
      }
      assertThatThrownBy(() -> health(node.channel, "no.such.Service"))
          .isInstanceOf(StatusRuntimeException.class)
          .extracting(e -> ((StatusRuntimeException) e).getStatus().getCode())
          .isEqualTo(Status.Code.NOT_FOUND);
    }
  }

  @Test
  void reflectionListsTheServicesInBothVersions() throws Exception {
    try (TestNode node = new TestNode(dir.resolve("registry"))) {
      ServerReflectionResponse v1 = reflect(node.channel, ServerReflectionRequest.newBuilder()
          .setListServices("").build());
      List<String> names = v1.getListServicesResponse().getServiceList().stream()
          .map(ServiceResponse::getName).toList();
      assertThat(names).contains("inference.GRPCInferenceService", "mmesh.ModelMesh",
          "densemesh.v1.MeshAdmin", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
          "grpc.reflection.v1alpha.ServerReflection")
          .as("the internal port's services are not on the client port")
          .doesNotContain("densemesh.v1.PeerControl");

      LinkedBlockingQueue<io.grpc.reflection.v1alpha.ServerReflectionResponse> alpha =
          new LinkedBlockingQueue<>();
      StreamObserver<io.grpc.reflection.v1alpha.ServerReflectionRequest> requests =
          io.grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(node.channel)
              .serverReflectionInfo(collect(alpha));
      requests.onNext(io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder()
          .setListServices("").build());
      requests.onCompleted();
      var answer = alpha.poll(60, TimeUnit.SECONDS);
      assertThat(answer).isNotNull();
      assertThat(answer.getListServicesResponse().getServiceList().stream()
          .map(io.grpc.reflection.v1alpha.ServiceResponse::getName))
          .contains("inference.GRPCInferenceService", "mmesh.ModelMesh");
    }
  }

  /** Like grpcurl: fetch the schema by reflection, then call registerModel with dynamic messages. */
  @Test
  void aClientWithNoProtoFilesRegistersAModelThroughReflection() throws Exception {
    Path model = Inference.writeModel(dir.resolve("models"), 7);
    try (TestNode node = new TestNode(dir.resolve("registry"))) {
      ServerReflectionResponse files = reflect(node.channel, ServerReflectionRequest.newBuilder()
          .setFileContainingSymbol("mmesh.ModelMesh").build());
      Map<String, FileDescriptorProto> protos = new HashMap<>();
      for (ByteString bytes : files.getFileDescriptorResponse().getFileDescriptorProtoList()) {
        FileDescriptorProto proto = FileDescriptorProto.parseFrom(bytes);
        protos.put(proto.getName(), proto);
      }
      FileDescriptor file = null;
      for (FileDescriptorProto proto : protos.values()) {
        if (proto.getServiceList().stream().anyMatch(s -> s.getName().equals("ModelMesh"))) {
          file = build(proto.getName(), protos, new HashMap<>());
        }
      }
      assertThat(file).as("file declaring mmesh.ModelMesh").isNotNull();
      MethodDescriptor register = file.findServiceByName("ModelMesh")
          .findMethodByName("registerModel");
      Descriptor in = register.getInputType();
      Descriptor info = in.findFieldByName("modelInfo").getMessageType();
      DynamicMessage request = DynamicMessage.newBuilder(in)
          .setField(in.findFieldByName("modelId"), "reflected")
          .setField(in.findFieldByName("modelInfo"), DynamicMessage.newBuilder(info)
              .setField(info.findFieldByName("type"), "onnx")
              .setField(info.findFieldByName("path"), model.toString()).build())
          .setField(in.findFieldByName("loadNow"), true)
          .setField(in.findFieldByName("sync"), true)
          .build();
      io.grpc.MethodDescriptor<DynamicMessage, DynamicMessage> method =
          io.grpc.MethodDescriptor.<DynamicMessage, DynamicMessage>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(io.grpc.MethodDescriptor.generateFullMethodName(
                  "mmesh.ModelMesh", "registerModel"))
              .setRequestMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(in)))
              .setResponseMarshaller(ProtoUtils.marshaller(
                  DynamicMessage.getDefaultInstance(register.getOutputType())))
              .build();
      DynamicMessage response = ClientCalls.blockingUnaryCall(node.channel, method,
          CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), request);
      Object status = response.getField(register.getOutputType().findFieldByName("status"));
      assertThat(status.toString()).isEqualTo(ModelStatus.LOADED.name());
      assertThat(Inference.logits(node.inference.modelInfer(
          Inference.request("reflected", Inference.row(7))))).hasSize(Inference.CLASSES);
    }
  }

  private static FileDescriptor build(String name, Map<String, FileDescriptorProto> protos,
      Map<String, FileDescriptor> built) throws Exception {
    FileDescriptor done = built.get(name);
    if (done != null) {
      return done;
    }
    FileDescriptorProto proto = protos.get(name);
    assertThat(proto).as("reflection sent dependency " + name).isNotNull();
    List<FileDescriptor> deps = new ArrayList<>();
    for (String dep : proto.getDependencyList()) {
      deps.add(build(dep, protos, built));
    }
    FileDescriptor file = FileDescriptor.buildFrom(proto, deps.toArray(FileDescriptor[]::new));
    built.put(name, file);
    return file;
  }

  private static ServerReflectionResponse reflect(ManagedChannel channel,
      ServerReflectionRequest request) throws InterruptedException {
    LinkedBlockingQueue<ServerReflectionResponse> answers = new LinkedBlockingQueue<>();
    StreamObserver<ServerReflectionRequest> requests =
        ServerReflectionGrpc.newStub(channel).serverReflectionInfo(collect(answers));
    requests.onNext(request);
    requests.onCompleted();
    ServerReflectionResponse answer = answers.poll(60, TimeUnit.SECONDS);
    assertThat(answer).as("reflection answer").isNotNull();
    assertThat(answer.hasErrorResponse()).as(answer.getErrorResponse().getErrorMessage())
        .isFalse();
    return answer;
  }

  private static <T> StreamObserver<T> collect(LinkedBlockingQueue<T> into) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        into.add(value);
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    };
  }

  /**
   * A draining node answers NOT_SERVING at once while it keeps serving inference: the peer that
   * should take its model over cannot finish loading it (its download stalls) until released.
   */
  @Test
  void aDrainingNodeIsNotServingWhileItStillServesInference() throws Exception {
    byte[] modelBytes = Files.readAllBytes(Inference.writeModel(dir.resolve("models"), 3));
    AtomicInteger downloads = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    http.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    http.createContext("/", exchange -> serveModel(exchange, modelBytes, downloads, release));
    http.start();
    Path etcdDir = Files.createDirectories(dir.resolve("etcd"));
    try (EtcdProcess etcd = new EtcdProcess(etcdDir)) {
      String[] mesh = {"--etcd", etcd.endpoint(), "--etcd-prefix", "/health-it/",
          "--lease-ttl", "3s", "--etcd-timeout", "10s", "--drain-timeout", "30s",
          "--storage-allow-hosts", "127.0.0.1"};
      TestNode a = new TestNode(dir.resolve("a"), with(mesh, "--instance-id", "a"));
      try (TestNode b = new TestNode(dir.resolve("b"), with(mesh, "--instance-id", "b"))) {
        await().atMost(Duration.ofSeconds(10))
            .until(() -> a.node.registry().view().instances().size() == 2);
        a.register("m", "http://127.0.0.1:" + http.getAddress().getPort() + "/m.onnx", "");
        // Served by a (loaded there on first use): a holds its only, recently used copy.
        await().atMost(Duration.ofSeconds(20)).until(() -> {
          Inference.logits(a.inference.modelInfer(Inference.request("m", Inference.row(3))));
          return a.node.cache().copyState("m").isPresent();
        });
        assertThat(health(a.channel, "")).isEqualTo(ServingStatus.SERVING);

        CompletableFuture<Void> closing = CompletableFuture.runAsync(a.node::close);
        await().atMost(Duration.ofSeconds(10)).until(() -> downloads.get() >= 2);
        assertThat(health(a.channel, "")).isEqualTo(ServingStatus.NOT_SERVING);
        assertThat(health(a.channel, "inference.GRPCInferenceService"))
            .isEqualTo(ServingStatus.NOT_SERVING);
        assertThat(health(b.channel, "")).as("the peer is unaffected")
            .isEqualTo(ServingStatus.SERVING);
        assertThat(Inference.logits(a.inference.modelInfer(
            Inference.request("m", Inference.row(3))))).as("still serving while draining")
            .hasSize(Inference.CLASSES);
        assertThat(closing).isNotDone();
        release.countDown();
        closing.get(60, TimeUnit.SECONDS);
        assertThat(b.node.cache().copyState("m")).as("moved to b").isPresent();
      } finally {
        a.channel.shutdownNow();
        release.countDown();
        http.stop(0);
      }
    }
  }

  private static String[] with(String[] base, String... more) {
    List<String> all = new ArrayList<>(List.of(base));
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }

  /** The first download is served at once; later ones wait for the test's release. */
  private static void serveModel(HttpExchange exchange, byte[] model, AtomicInteger downloads,
      CountDownLatch release) throws IOException {
    try (exchange; OutputStream body = exchange.getResponseBody()) {
      if (downloads.incrementAndGet() > 1) {
        release.await(60, TimeUnit.SECONDS);
      }
      exchange.sendResponseHeaders(200, model.length);
      body.write(model);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
