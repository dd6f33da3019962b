package io.densemesh.registry;

import io.densemesh.config.EtcdAccess;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLException;

/**
 * Builds jetcd clients from {@link EtcdSettings}: TLS from the PEM material (etcd's server
 * certificate must chain to the given CA; the client certificate is presented when set) and an
 * etcd user whose token jetcd fetches and renews. An {@code https} endpoint never connects
 * without TLS: {@link EtcdAccess#requireFits} refuses that before a client is built.
 */
final class EtcdClients {

  private EtcdClients() {}

  static Client build(EtcdSettings settings) {
    EtcdAccess access = settings.access();
    ClientBuilder builder = Client.builder()
        .endpoints(settings.endpoints().toArray(String[]::new))
        .connectTimeout(settings.opTimeout())
        .retryMaxDuration(settings.opTimeout());
    if (access.tls()) {
      builder.sslContext(sslContext(access));
    }
    if (!access.authority().isEmpty()) {
      builder.authority(access.authority());
    }
    if (access.authenticates()) {
      builder.user(ByteSequence.from(access.user(), StandardCharsets.UTF_8))
          .password(ByteSequence.from(access.password(), StandardCharsets.UTF_8));
    }
    return builder.build();
  }

  private static io.netty.handler.ssl.SslContext sslContext(EtcdAccess access) {
    try {
      SslContextBuilder tls = GrpcSslContexts.forClient().trustManager(stream(access.caPem().get()));
      if (access.certPem().isPresent()) {
        tls.keyManager(stream(access.certPem().get()), stream(access.keyPem().get()));
      }
      return tls.build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new io.densemesh.config.ConfigException(
          "etcd TLS material is not usable: " + e.getMessage());
    }
  }

  private static InputStream stream(String pem) {
    return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
  }
}
