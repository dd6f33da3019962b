package io.densemesh.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.densemesh.testing.TestNode;
import io.densemesh.testing.TestPki;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on a real node's REST port with certificates made in the test: HTTPS over HTTP/1.1 and
 * HTTP/2 (ALPN) with the node's certificate, plaintext refused, mutual TLS against the client
 * CA, and a rotated certificate served without a restart (the same reloading key manager as
 * gRPC).
 */
class RestTlsIT {

  @TempDir static Path dir;
  static TestPki pki;
  static TestPki.Issued server;
  static TestPki.Issued client;
  static TestPki.Issued stranger;
  final List<AutoCloseable> open = new ArrayList<>();

  @BeforeAll
  static void material() {
    pki = new TestPki("rest-mesh");
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

  static HttpClient https(HttpClient.Version version, TestPki.Issued identity) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    trust.setCertificateEntry("ca", certificate(server.ca()));
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyManagerFactory kmf = null;
    if (identity != null) {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("me", privateKey(identity.key()), new char[0],
          new Certificate[] {certificate(identity.cert())});
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, new char[0]);
    }
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().version(version).sslContext(context)
        .connectTimeout(Duration.ofSeconds(5)).build();
  }

  static Certificate certificate(Path pem) throws Exception {
    try (InputStream in = Files.newInputStream(pem)) {
      return CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  static PrivateKey privateKey(Path pem) throws Exception {
    String base64 = Files.readString(pem).replaceAll("-----[A-Z ]+-----", "")
        .replaceAll("\\s", "");
    byte[] der = Base64.getDecoder().decode(base64);
    for (String algorithm : List.of("RSA", "EC")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (java.security.spec.InvalidKeySpecException wrongAlgorithm) {
        // try the next
      }
    }
    throw new IllegalStateException("unknown key type in " + pem);
  }

  /** The subject of the certificate the port serves to a new TLS connection. */
  static String servedCommonName(int port) throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    store.setCertificateEntry("ca", certificate(server.ca()));
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) context.getSocketFactory()
        .createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      socket.startHandshake();
      return ((java.security.cert.X509Certificate) socket.getSession().getPeerCertificates()[0])
          .getSubjectX500Principal().getName();
    }
  }

  static HttpResponse<String> get(HttpClient client, int port, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void restServesHttpsOverHttp1AndHttp2AndRefusesPlaintext() throws Exception {
    TestNode node = node("tls", "--tls-cert", server.cert().toString(), "--tls-key",
        server.key().toString());
    int port = node.node.restPort();
    for (HttpClient.Version version : List.of(HttpClient.Version.HTTP_1_1,
        HttpClient.Version.HTTP_2)) {
      HttpResponse<String> live = get(https(version, null), port, "/v2/health/live");
      assertThat(live.statusCode()).isEqualTo(200);
      assertThat(live.version()).isEqualTo(version);
      assertThat(get(https(version, null), port, "/v2").body()).contains("densemesh");
    }
    assertThat(servedCommonName(port)).isEqualTo("CN=node");
    assertThatThrownBy(() -> node.get("/v2/health/live")).as("plaintext client")
        .hasRootCauseInstanceOf(IOException.class);
  }

  @Test
  void mutualTlsOnRestAdmitsOnlyClientsWithACertificateFromTheClientCa() throws Exception {
    TestNode node = node("mtls", "--tls-cert", server.cert().toString(), "--tls-key",
        server.key().toString(), "--tls-client-ca", client.ca().toString());
    int port = node.node.restPort();
    assertThat(get(https(HttpClient.Version.HTTP_1_1, client), port, "/v2/health/live")
        .statusCode()).isEqualTo(200);
    assertThatThrownBy(() -> get(https(HttpClient.Version.HTTP_1_1, null), port,
        "/v2/health/live")).as("no client certificate").isInstanceOf(IOException.class);
    assertThatThrownBy(() -> get(https(HttpClient.Version.HTTP_1_1, stranger), port,
        "/v2/health/live")).as("a certificate from another CA")
        .isInstanceOf(IOException.class);
  }

  @Test
  void aRotatedCertificateIsServedOnRestWithoutARestart() throws Exception {
    Path live = Files.createDirectories(dir.resolve("rotating"));
    Files.copy(server.cert(), live.resolve("tls.crt"), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(server.key(), live.resolve("tls.key"), StandardCopyOption.REPLACE_EXISTING);
    TestNode node = node("rotate", "--tls-cert", live.resolve("tls.crt").toString(),
        "--tls-key", live.resolve("tls.key").toString(), "--tls-reload", "200ms");
    int port = node.node.restPort();
    assertThat(servedCommonName(port)).isEqualTo("CN=node");
    TestPki.Issued rotated = pki.issue(dir.resolve("rotated"), "node-rotated");
    Path stagedKey = Files.copy(rotated.key(), live.resolve("tls.key.new"));
    Path stagedCert = Files.copy(rotated.cert(), live.resolve("tls.crt.new"));
    Files.move(stagedKey, live.resolve("tls.key"), StandardCopyOption.ATOMIC_MOVE);
    Files.move(stagedCert, live.resolve("tls.crt"), StandardCopyOption.ATOMIC_MOVE);
    await().atMost(Duration.ofSeconds(10)).until(() -> servedCommonName(port)
        .equals("CN=node-rotated"));
    assertThat(get(https(HttpClient.Version.HTTP_2, null), port, "/v2/health/ready")
        .statusCode()).isEqualTo(200);
  }
}
