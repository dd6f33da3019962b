package io.densemesh.registry;

import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * Says why a TLS connection to etcd failed when jetcd only reports a timeout (it retries
 * handshake failures until its deadline): one handshake with the configured CA and the
 * endpoint's (or the override) host name, reporting a server certificate that the CA did not
 * sign or that does not name the host.
 */
final class EtcdTlsProbe {

  private EtcdTlsProbe() {}

  /** Why etcd's certificate is refused, if that is the problem; empty otherwise. */
  static Optional<String> diagnose(EtcdSettings settings, int timeoutMillis) {
    if (!settings.access().tls()) {
      return Optional.empty();
    }
    URI endpoint = URI.create(settings.endpoints().get(0));
    String host = settings.access().authority().isEmpty() ? endpoint.getHost()
        : settings.access().authority();
    try {
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(null, trust(settings.access().caPem().orElseThrow()).getTrustManagers(), null);
      try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket()) {
        socket.connect(new InetSocketAddress(endpoint.getHost(), endpoint.getPort()),
            timeoutMillis);
        socket.setSoTimeout(timeoutMillis);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        parameters.setServerNames(host.matches("[0-9.:\\[\\]]+") ? java.util.List.of()
            : java.util.List.of(new javax.net.ssl.SNIHostName(host)));
        socket.setSSLParameters(parameters);
        socket.startHandshake();
      }
      return Optional.empty();
    } catch (SSLHandshakeException e) {
      String why = String.valueOf(e.getMessage());
      if (why.contains("PKIX") || why.contains("subject alternative") || why.contains("No name")
          || e.getCause() instanceof java.security.cert.CertificateException) {
        return Optional.of("etcd's TLS certificate is not accepted (check --etcd-ca and the "
            + "endpoint's host name): " + why);
      }
      return Optional.empty();
    } catch (java.io.IOException | GeneralSecurityException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static TrustManagerFactory trust(String caPem) throws GeneralSecurityException {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    try {
      store.load(null, null);
    } catch (java.io.IOException e) {
      throw new GeneralSecurityException(e);
    }
    int i = 0;
    for (Certificate ca : CertificateFactory.getInstance("X.509").generateCertificates(
        new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII)))) {
      store.setCertificateEntry("ca-" + i++, ca);
    }
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(store);
    return factory;
  }
}
