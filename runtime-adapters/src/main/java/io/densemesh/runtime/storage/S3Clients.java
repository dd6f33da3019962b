package io.densemesh.runtime.storage;

import io.densemesh.runtime.error.ModelLoadException;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Collection;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * One AWS SDK {@link S3Client} per storage-config entry (endpoint, region, credentials,
 * certificate), built on first use and kept for reuse, at most {@link #MAX_KEPT} of them (entries
 * can come from registrations' {@code storage_params}, so there is no natural bound). The SDK runs on the JDK's URL connection client, so
 * the node carries no second Netty; path-style addressing is used whenever an endpoint is given
 * (MinIO, Ceph, IBM COS and other S3-compatible stores expect it).
 */
final class S3Clients implements AutoCloseable {

  private static final String DEFAULT_REGION = "us-east-1";

  /** Distinct storage configurations in use at once are few; a build costs milliseconds. */
  static final int MAX_KEPT = 32;

  private final Duration timeout;
  private final LeasedClients<StorageConfigEntry, S3Client> clients =
      new LeasedClients<>(MAX_KEPT, this::build);

  S3Clients(Duration timeout) {
    this.timeout = timeout;
  }

  /** The entry's client, leased until the download is done. */
  LeasedClients.Lease<S3Client> forEntry(StorageConfigEntry entry) {
    return clients.lease(entry);
  }

  private S3Client build(StorageConfigEntry entry) {
    UrlConnectionHttpClient.Builder http = UrlConnectionHttpClient.builder()
        .connectionTimeout(timeout.compareTo(Duration.ofSeconds(10)) < 0 ? timeout
            : Duration.ofSeconds(10))
        .socketTimeout(timeout);
    if (!entry.certificate().isBlank()) {
      TrustManager[] trust = trustManagers(entry);
      http.tlsTrustManagersProvider(() -> trust);
    }
    S3ClientBuilder builder = S3Client.builder()
        .httpClientBuilder(http)
        .region(Region.of(entry.region().isBlank() ? DEFAULT_REGION : entry.region()))
        .credentialsProvider(credentials(entry))
        // The node verifies lengths and MD5 ETags itself; the SDK's newer CRC defaults are not
        // implemented by every S3-compatible store.
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    if (!entry.endpointUrl().isBlank()) {
      builder.endpointOverride(endpoint(entry)).forcePathStyle(true);
    }
    return builder.build();
  }

  private static AwsCredentialsProvider credentials(StorageConfigEntry entry) {
    if (entry.anonymousAccess()) {
      return AnonymousCredentialsProvider.create();
    }
    return StaticCredentialsProvider.create(
        AwsBasicCredentials.create(entry.accessKeyId(), entry.secretAccessKey()));
  }

  private static URI endpoint(StorageConfigEntry entry) {
    String url = entry.endpointUrl().trim();
    if (!url.contains("://")) {
      url = "https://" + url;
    }
    try {
      return URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new ModelLoadException(entry.describe() + " has a bad endpoint_url '"
          + entry.endpointUrl() + "': " + e.getMessage());
    }
  }

  /** Trust managers accepting the PEM certificate(s) of the entry's {@code certificate}. */
  static TrustManager[] trustManagers(StorageConfigEntry entry) {
    try {
      Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(
              entry.certificate().getBytes(StandardCharsets.US_ASCII)));
      if (certs.isEmpty()) {
        throw new ModelLoadException(entry.describe() + " has a certificate with no PEM "
            + "certificate in it");
      }
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate cert : certs) {
        store.setCertificateEntry("ca-" + i++, cert);
      }
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      return factory.getTrustManagers();
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new ModelLoadException(entry.describe() + " has a certificate that cannot be read: "
          + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    clients.close();
  }
}
