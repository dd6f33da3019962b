package io.densemesh.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.api.mmesh.ModelRuntimeGrpc;
import io.densemesh.api.mmesh.RuntimeStatusRequest;
import io.densemesh.cli.RuntimeCommand;
import io.densemesh.runtime.error.UnavailableException;
import io.densemesh.runtime.onnx.gen.SampleModels;
import io.densemesh.runtimeserver.RuntimeServer;
import io.densemesh.testing.TestNode;
import io.densemesh.testing.TestPki;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on the remote-runtime link, with real certificates made in the test: a runtime server
 * ({@code densemesh runtime --tls-cert ...}) on 127.0.0.1 and a node that verifies it
 * ({@code --remote-runtime-ca}), optionally with mutual TLS. A node that does not trust the
 * runtime's CA, expects another name, or lacks the client certificate a runtime requires does not
 * start, and says it was TLS.
 */
class RemoteRuntimeTlsIT {

  @TempDir static Path pkiDir;
  static TestPki.Issued runtimeCert;
  static TestPki.Issued nodeCert;
  static TestPki.Issued stranger;

  @TempDir Path dir;
  final List<AutoCloseable> open = new ArrayList<>();

  @BeforeAll
  static void pki() {
    TestPki pki = new TestPki("runtime-link");
    runtimeCert = pki.issue(pkiDir.resolve("runtime"), "runtime");
    nodeCert = pki.issue(pkiDir.resolve("node"), "node");
    stranger = new TestPki("other").issue(pkiDir.resolve("stranger"), "node");
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  RuntimeServer runtime(String... tlsFlags) {
    List<String> flags = new ArrayList<>(List.of("--listen", "127.0.0.1:0", "--capacity", "64m",
        "--tls-cert", runtimeCert.cert().toString(), "--tls-key", runtimeCert.key().toString()));
    flags.addAll(List.of(tlsFlags));
    RuntimeServer server = RuntimeServer.start(RuntimeCommand.parse(flags));
    open.add(server);
    return server;
  }

  TestNode node(String name, RuntimeServer runtime, String... flags) {
    List<String> all = new ArrayList<>(List.of("--remote-runtime",
        "onnx=" + runtime.address(), "--load-timeout", "10s"));
    all.addAll(List.of(flags));
    TestNode node = new TestNode(dir.resolve(name), all.toArray(String[]::new));
    open.add(node);
    return node;
  }

  void servesAModel(TestNode node) throws Exception {
    Path file = dir.resolve("linear.onnx");
    if (!Files.exists(file)) {
      Files.write(file, SampleModels.linearClassifier(RemoteRuntimeIT.SEED, RemoteRuntimeIT.F,
          RemoteRuntimeIT.C));
    }
    RemoteRuntimeIT.register(node, "linear", "onnx", file);
    RemoteRuntimeIT.assertLinearAnswers(node, "linear");
  }

  @Test
  void inferenceWorksOverTlsAndThePlaintextDoorIsClosed() throws Exception {
    RuntimeServer runtime = runtime();
    TestNode node = node("tls", runtime, "--remote-runtime-ca", runtimeCert.ca().toString());
    servesAModel(node);

    ManagedChannel plaintext = Channels.channel(runtime.address(), 1 << 20);
    open.add(() -> plaintext.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    assertThatThrownBy(() -> ModelRuntimeGrpc.newBlockingStub(plaintext)
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .runtimeStatus(RuntimeStatusRequest.getDefaultInstance()))
        .as("the runtime answers no plaintext client")
        .isInstanceOf(StatusRuntimeException.class);
  }

  @Test
  void mutualTlsServesANodeWithItsCertificate() throws Exception {
    RuntimeServer runtime = runtime("--tls-client-ca", nodeCert.ca().toString());
    TestNode node = node("mtls", runtime, "--remote-runtime-ca", runtimeCert.ca().toString(),
        "--remote-runtime-cert", nodeCert.cert().toString(),
        "--remote-runtime-key", nodeCert.key().toString(),
        "--remote-runtime-authority", "localhost");
    servesAModel(node);
  }

  @Test
  void aRuntimeFromAnotherCaIsRefused() {
    RuntimeServer runtime = runtime();
    assertThatThrownBy(() -> node("wrong-ca", runtime, "--remote-runtime-ca",
        stranger.ca().toString()))
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining("is not READY")
        .hasMessageContaining("TLS with the runtime failed")
        .hasMessageContaining("--remote-runtime-ca");
  }

  @Test
  void aRuntimeCertificateForAnotherNameIsRefused() {
    RuntimeServer runtime = runtime();
    assertThatThrownBy(() -> node("wrong-name", runtime, "--remote-runtime-ca",
        runtimeCert.ca().toString(), "--remote-runtime-authority", "runtime.example"))
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining("TLS with the runtime failed");
  }

  @Test
  void aNodeWithoutTheClientCertificateARuntimeRequiresIsRefused() {
    RuntimeServer runtime = runtime("--tls-client-ca", nodeCert.ca().toString());
    assertThatThrownBy(() -> node("no-client-cert", runtime, "--remote-runtime-ca",
        runtimeCert.ca().toString()))
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining("is not READY");
    assertThatThrownBy(() -> node("stranger-cert", runtime, "--remote-runtime-ca",
        runtimeCert.ca().toString(), "--remote-runtime-cert", stranger.cert().toString(),
        "--remote-runtime-key", stranger.key().toString()))
        .as("a client certificate from another CA")
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining("is not READY");
  }
}
