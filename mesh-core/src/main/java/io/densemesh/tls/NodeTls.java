package io.densemesh.tls;

import io.densemesh.config.ConfigException;
import io.densemesh.config.TlsSettings;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Optional;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;
import javax.net.ssl.SSLException;

/**
 * A node's TLS identity and trust, kept current: the certificate chain and key, the client CA
 * (mutual TLS on the client-facing ports) and the mesh CA (peer links), each loaded into a
 * grpc-java {@link AdvancedTlsX509KeyManager}/{@link AdvancedTlsX509TrustManager} that
 * {@link PemReloader} re-reads every {@link TlsSettings#reloadInterval()} when the files
 * changed. The Netty contexts built here (and the REST server) hold those managers, so a new handshake uses the newest files without
 * rebuilding a server; a file that fails to parse keeps the previous material (and is logged).
 *
 * <p>Peers are addressed by IP, so a peer link checks that the other node's certificate chains
 * to the mesh CA and not that it names the address ({@code CERTIFICATE_ONLY_VERIFICATION}): the
 * mesh CA issuing only mesh members' certificates is the trust anchor.
 */
public final class NodeTls implements AutoCloseable {

  private final ReloadingManagers managers = new ReloadingManagers("tls-reload");
  private final AdvancedTlsX509KeyManager identity;
  private final Optional<AdvancedTlsX509TrustManager> clients;
  private final Optional<AdvancedTlsX509TrustManager> peers;

  private NodeTls(TlsSettings settings) {
    try {
      this.identity = managers.identity(settings.cert().orElseThrow(),
          settings.key().orElseThrow());
      this.clients = trust(settings.clientCa());
      this.peers = trust(settings.peerCa());
      managers.start(settings.reloadInterval());
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      close();
      throw new ConfigException("TLS material is not usable (--tls-cert, --tls-key, "
          + "--tls-client-ca, --tls-mesh-ca): " + e.getMessage());
    }
  }

  /** The node's TLS, or empty when {@code settings} turn it off. */
  public static Optional<NodeTls> open(TlsSettings settings) {
    return settings.enabled() ? Optional.of(new NodeTls(settings)) : Optional.empty();
  }

  private Optional<AdvancedTlsX509TrustManager> trust(Optional<Path> ca)
      throws IOException, GeneralSecurityException {
    if (ca.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(managers.trust(ca.get(),
        AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION));
  }

  /** Whether clients of the client-facing ports must present a certificate. */
  public boolean requiresClientCertificates() {
    return clients.isPresent();
  }

  /** For the client-facing gRPC server: the node's certificate, client certificates if set. */
  public SslContext grpcServer() {
    return server(clients);
  }

  /**
   * For the internal port: mesh members only, proved by a client certificate from the mesh CA.
   * A single node without a mesh CA serves TLS there as on its client port.
   */
  public SslContext internalServer() {
    return peers.isPresent() ? server(peers) : grpcServer();
  }

  private SslContext server(Optional<AdvancedTlsX509TrustManager> trust) {
    try {
      SslContextBuilder builder = GrpcSslContexts.configure(SslContextBuilder.forServer(identity));
      trust.ifPresent(t -> builder.trustManager(t).clientAuth(ClientAuth.REQUIRE));
      return builder.build();
    } catch (SSLException e) {
      throw new ConfigException("cannot build the TLS server context: " + e.getMessage());
    }
  }

  /**
   * For links to peers: verifies the mesh CA and presents this node's certificate.
   *
   * @throws ConfigException when no mesh CA is configured
   */
  public SslContext peerClient() {
    if (peers.isEmpty()) {
      throw new ConfigException("TLS in a mesh needs --tls-mesh-ca (or --tls-client-ca): "
          + "peers are verified against it");
    }
    try {
      return GrpcSslContexts.forClient().keyManager(identity).trustManager(peers.get()).build();
    } catch (SSLException e) {
      throw new ConfigException("cannot build the peer TLS context: " + e.getMessage());
    }
  }

  /**
   * The node's certificate and key for servers built on other stacks than grpc-java (REST): the
   * same key manager as the gRPC ports, so a reload reaches them too.
   */
  public X509KeyManager identity() {
    return identity;
  }

  /** The client CA's trust manager (kept current), when clients must present certificates. */
  public Optional<X509TrustManager> clientTrust() {
    return clients.map(t -> t);
  }

  @Override
  public void close() {
    managers.close();
  }
}
