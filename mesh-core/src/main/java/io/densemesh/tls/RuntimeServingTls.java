package io.densemesh.tls;

import io.densemesh.config.ConfigException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Optional;

/**
 * The runtime server's side ({@code densemesh runtime --tls-cert ...}) of TLS on the
 * remote-runtime link: it serves its certificate and, with a client CA, accepts only nodes that
 * present a certificate chaining to it (mutual TLS; the node's name is not checked, as nodes are
 * many and addressed by IP). Files are re-read when they change.
 */
public final class RuntimeServingTls implements AutoCloseable {

  private final ReloadingManagers managers = new ReloadingManagers("runtime-tls-reload");
  private final SslContext context;

  private RuntimeServingTls(Path cert, Path key, Optional<Path> clientCa, Duration reload) {
    try {
      SslContextBuilder builder =
          GrpcSslContexts.configure(SslContextBuilder.forServer(managers.identity(cert, key)));
      if (clientCa.isPresent()) {
        builder.trustManager(managers.trust(clientCa.get(),
                AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION))
            .clientAuth(ClientAuth.REQUIRE);
      }
      this.context = builder.build();
      managers.start(reload);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      managers.close();
      throw new ConfigException("runtime TLS material is not usable (--tls-cert, --tls-key,"
          + " --tls-client-ca): " + e.getMessage());
    }
  }

  /**
   * Serving TLS from these files.
   *
   * @throws ConfigException when a file does not parse or the key does not fit the certificate
   */
  public static RuntimeServingTls open(Path cert, Path key, Optional<Path> clientCa,
      Duration reloadInterval) {
    return new RuntimeServingTls(cert, key, clientCa, reloadInterval);
  }

  /** The server context: the same object for the server's life, its material kept current. */
  public SslContext context() {
    return context;
  }

  @Override
  public void close() {
    managers.close();
  }
}
