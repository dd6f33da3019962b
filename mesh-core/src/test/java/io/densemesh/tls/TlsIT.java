package io.densemesh.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.densemesh.api.inference.GRPCInferenceServiceGrpc;
import io.densemesh.api.inference.ServerLiveRequest;
import io.densemesh.config.ConfigException;
import io.densemesh.runtime.onnx.gen.SampleModels;
import io.densemesh.testing.EtcdProcess;
import io.densemesh.testing.Inference;
import io.densemesh.testing.TestNode;
import io.densemesh.testing.TestPki;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on a real node's gRPC port with certificates made in the test: server TLS, mutual TLS
 * against a client CA, a rotated certificate served without a restart, and a two-node mesh on
 * etcd whose forwarded requests travel over mutual TLS between the members.
 */
class TlsIT {

  @TempDir static Path dir;
  static TestPki pki;
  static TestPki.Issued server;
  static TestPki.Issued client;
  static TestPki.Issued stranger;
  final List<AutoCloseable> open = new ArrayList<>();

  @BeforeAll
  static void material() {
    pki = new TestPki("mesh");
    server = pki.issue(dir.resolve("server"), "node");
    client = pki.issue(dir.resolve("client"), "client");
    stranger = new TestPki("other").issue(dir.resolve("stranger"), "client");
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  TestNode node(String name, String... flags) {
    TestNode node = new TestNode(dir.resolve(name), flags);
    open.add(node);
    return node;
  }

  ManagedChannel channel(int port, Path trust, TestPki.Issued identity) throws Exception {
    SslContextBuilder tls = GrpcSslContexts.forClient().trustManager(trust.toFile());
    if (identity != null) {
      tls.keyManager(identity.cert().toFile(), identity.key().toFile());
    }
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port)
        .sslContext(tls.build()).build();
    open.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return channel;
  }

  static boolean live(ManagedChannel channel) {
    return GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10,
        TimeUnit.SECONDS).serverLive(ServerLiveRequest.getDefaultInstance()).getLive();
  }

  @Test
  void grpcServesTlsAndRefusesPlaintextAndUntrustedServers() throws Exception {
    TestNode node = node("tls", "--tls-cert", server.cert().toString(), "--tls-key",
        server.key().toString());
    Path model = Inference.writeModel(dir.resolve("tls-models"), 5);
    ManagedChannel secure = channel(node.node.grpcPort(), server.ca(), null);
    assertThat(live(secure)).isTrue();
    var mesh = io.densemesh.api.mmesh.ModelMeshGrpc.newBlockingStub(secure);
    mesh.registerModel(io.densemesh.api.mmesh.RegisterModelRequest.newBuilder().setModelId("m")
        .setModelInfo(io.densemesh.api.mmesh.ModelInfo.newBuilder().setType("onnx")
            .setPath(model.toString())).build());
    float[] row = Inference.row(5);
    assertThat(Inference.logits(GRPCInferenceServiceGrpc.newBlockingStub(secure)
        .modelInfer(Inference.request("m", row))))
        .containsExactly(SampleModels.expectedLogits(5, 4, 3, row), within(1e-4f));

    assertThatThrownBy(() -> live(node.channel)).as("plaintext client")
        .isInstanceOf(StatusRuntimeException.class);
    assertThatThrownBy(() -> live(channel(node.node.grpcPort(), stranger.ca(), null)))
        .as("client that does not trust the node's CA")
        .isInstanceOf(StatusRuntimeException.class);
  }

  @Test
  void mutualTlsAdmitsOnlyClientsWithACertificateFromTheClientCa() throws Exception {
    TestNode node = node("mtls", "--tls-cert", server.cert().toString(), "--tls-key",
        server.key().toString(), "--tls-client-ca", client.ca().toString());
    int port = node.node.grpcPort();
    assertThat(live(channel(port, server.ca(), client))).isTrue();
    assertThatThrownBy(() -> live(channel(port, server.ca(), null))).as("no client certificate")
        .isInstanceOf(StatusRuntimeException.class);
    assertThatThrownBy(() -> live(channel(port, server.ca(), stranger)))
        .as("a certificate from another CA").isInstanceOf(StatusRuntimeException.class);
  }

  @Test
  void aRotatedCertificateIsServedWithoutARestart() throws Exception {
    Path live = Files.createDirectories(dir.resolve("rotating"));
    Files.copy(server.cert(), live.resolve("tls.crt"), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(server.key(), live.resolve("tls.key"), StandardCopyOption.REPLACE_EXISTING);
    TestNode node = node("rotate", "--tls-cert", live.resolve("tls.crt").toString(),
        "--tls-key", live.resolve("tls.key").toString(), "--tls-reload", "200ms");
    int port = node.node.grpcPort();
    assertThat(servedCommonName(port)).isEqualTo("CN=node");

    TestPki.Issued rotated = pki.issue(dir.resolve("rotated"), "node-rotated");
    // Key first, then certificate, each replaced atomically (as a Secret volume update does).
    Path stagedKey = Files.copy(rotated.key(), live.resolve("tls.key.new"));
    Path stagedCert = Files.copy(rotated.cert(), live.resolve("tls.crt.new"));
    Files.move(stagedKey, live.resolve("tls.key"), StandardCopyOption.ATOMIC_MOVE);
    Files.move(stagedCert, live.resolve("tls.crt"), StandardCopyOption.ATOMIC_MOVE);
    await().atMost(Duration.ofSeconds(10)).until(() -> servedCommonName(port)
        .equals("CN=node-rotated"));
    assertThat(live(channel(port, server.ca(), null))).as("new connections still verify")
        .isTrue();
  }

  @Test
  void meshMembersForwardOverMutualTls() throws Exception {
    EtcdProcess etcd = new EtcdProcess(dir.resolve("etcd"));
    open.add(etcd);
    String[] common = {"--etcd", etcd.endpoint(), "--etcd-prefix", "/tls-mesh/", "--tls-cert",
        server.cert().toString(), "--tls-key", server.key().toString(), "--tls-mesh-ca",
        server.ca().toString(), "--tls-client-ca", client.ca().toString()};
    TestNode a = node("a", TestNode.flags(common, "--instance-id", "a"));
    TestNode b = node("b", TestNode.flags(common, "--instance-id", "b"));
    await().atMost(Duration.ofSeconds(10)).until(() ->
        a.node.registry().view().instances().size() == 2
            && b.node.registry().view().instances().size() == 2);
    Path model = Inference.writeModel(dir.resolve("mesh-models"), 9);
    ManagedChannel toA = channel(a.node.grpcPort(), server.ca(), client);
    ManagedChannel toB = channel(b.node.grpcPort(), server.ca(), client);
    io.densemesh.api.mmesh.ModelMeshGrpc.newBlockingStub(toA).registerModel(
        io.densemesh.api.mmesh.RegisterModelRequest.newBuilder().setModelId("shared")
            .setModelInfo(io.densemesh.api.mmesh.ModelInfo.newBuilder().setType("onnx")
                .setPath(model.toString())).build());
    float[] row = Inference.row(9);
    GRPCInferenceServiceGrpc.newBlockingStub(toA).modelInfer(Inference.request("shared", row));
    TestNode holder = a.node.cache().isLoaded("shared") ? a : b;
    ManagedChannel other = holder == a ? toB : toA;
    TestNode without = holder == a ? b : a;
    assertThat(Inference.logits(GRPCInferenceServiceGrpc.newBlockingStub(other)
        .modelInfer(Inference.request("shared", row))))
        .containsExactly(SampleModels.expectedLogits(9, 4, 3, row), within(1e-4f));
    assertThat(without.scrapeMetrics()).contains("densemesh_forwards_total{result=\"ok\"");
    assertThat(without.node.cache().isLoaded("shared")).isFalse();
  }

  @Test
  void aMeshWithTlsButNoMeshCaIsRefusedAtStart() {
    assertThatThrownBy(() -> node("no-ca", "--etcd", "http://127.0.0.1:1", "--tls-cert",
        server.cert().toString(), "--tls-key", server.key().toString()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("needs --tls-mesh-ca");
  }


  /** The subject of the certificate the port serves to a new TLS connection. */
  static String servedCommonName(int port) throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    store.setCertificateEntry("ca", CertificateFactory.getInstance("X.509")
        .generateCertificate(Files.newInputStream(server.ca())));
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1",
        port)) {
      socket.setSoTimeout(5000);
      socket.startHandshake();
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0])
          .getSubjectX500Principal().getName();
    }
  }
}
