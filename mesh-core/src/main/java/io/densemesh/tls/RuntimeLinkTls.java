package io.densemesh.tls;

import io.densemesh.config.ConfigException;
import io.densemesh.config.RemoteRuntimeTls;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * The node's side of TLS on the remote-runtime link: the runtime's certificate must chain to
 * {@code --remote-runtime-ca} and name the host dialled (or {@code --remote-runtime-authority});
 * with {@code --remote-runtime-cert} the node presents a client certificate (mutual TLS). The
 * files are re-read when they change, so one context serves every later handshake.
 *
 * <p>Unlike peer links (addressed by pod IP, see {@link NodeTls}), a runtime is addressed by a
 * name the operator chose, so its certificate's name is checked too.
 */
public final class RuntimeLinkTls implements AutoCloseable {

  private final ReloadingManagers managers = new ReloadingManagers("runtime-tls-reload");
  private final SslContext context;
  private final Optional<String> authority;

  private RuntimeLinkTls(RemoteRuntimeTls settings, Duration reloadInterval) {
    this.authority = settings.authority();
    try {
      AdvancedTlsX509TrustManager trust = managers.trust(settings.ca().orElseThrow(),
          AdvancedTlsX509TrustManager.Verification.CERTIFICATE_AND_HOST_NAME_VERIFICATION);
      SslContextBuilder builder = GrpcSslContexts.forClient().trustManager(trust);
      if (settings.cert().isPresent()) {
        builder.keyManager(managers.identity(settings.cert().get(), settings.key().orElseThrow()));
      }
      this.context = builder.build();
      managers.start(reloadInterval);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      managers.close();
      throw new ConfigException("remote runtime TLS material is not usable (--remote-runtime-ca,"
          + " --remote-runtime-cert, --remote-runtime-key): " + e.getMessage());
    }
  }

  /**
   * The link's TLS, or empty when {@code settings} leave it plaintext.
   *
   * @param reloadInterval how often the files are checked for changes ({@code --tls-reload})
   * @throws ConfigException when a file does not parse or the key does not fit the certificate
   */
  public static Optional<RuntimeLinkTls> open(RemoteRuntimeTls settings,
      Duration reloadInterval) {
    return settings.enabled() ? Optional.of(new RuntimeLinkTls(settings, reloadInterval))
        : Optional.empty();
  }

  /** The client context for channels to the runtime. */
  public SslContext context() {
    return context;
  }

  /** The name to expect in the runtime's certificate instead of the dialled host. */
  public Optional<String> authority() {
    return authority;
  }

  /** Whether the failure has a TLS handshake or certificate problem among its causes. */
  public static boolean isTlsFailure(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SSLException || t instanceof java.security.cert.CertificateException) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() {
    managers.close();
  }
}
