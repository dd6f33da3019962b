package io.densemesh.tls;

import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.grpc.util.CertificateUtils;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads PEM files into grpc-java's key and trust managers and loads them again when they change.
 * grpc-java's own file refresh polls at most once a minute; this one polls at the node's
 * {@code --tls-reload}. A certificate and key are replaced together, only once both files
 * changed (as a Kubernetes Secret update or cert-manager renewal does) and only when the key
 * signs what the certificate verifies, so a half-written pair never goes live; anything that
 * fails to parse keeps the previous material and is logged.
 */
final class PemReloader {

  private static final Logger log = LoggerFactory.getLogger(PemReloader.class);

  /** One identity (certificate chain + key) kept current in a key manager. */
  static final class Identity {
    private final Path cert;
    private final Path key;
    private final AdvancedTlsX509KeyManager manager;
    private long certTime;
    private long keyTime;

    Identity(Path cert, Path key, AdvancedTlsX509KeyManager manager)
        throws IOException, GeneralSecurityException {
      this.cert = cert;
      this.key = key;
      this.manager = manager;
      load();
    }

    private void load() throws IOException, GeneralSecurityException {
      long newCertTime = Files.getLastModifiedTime(cert).toMillis();
      long newKeyTime = Files.getLastModifiedTime(key).toMillis();
      X509Certificate[] chain = certificates(cert);
      PrivateKey privateKey;
      try (InputStream in = Files.newInputStream(key)) {
        privateKey = CertificateUtils.getPrivateKey(in);
      }
      requirePair(chain[0], privateKey);
      manager.updateIdentityCredentials(chain, privateKey);
      certTime = newCertTime;
      keyTime = newKeyTime;
    }

    synchronized void reloadIfChanged() {
      try {
        if (Files.getLastModifiedTime(cert).toMillis() != certTime
            && Files.getLastModifiedTime(key).toMillis() != keyTime) {
          load();
          log.info("TLS certificate reloaded from {} ({})", cert,
              certificates(cert)[0].getSubjectX500Principal().getName());
        }
      } catch (IOException | GeneralSecurityException | RuntimeException e) {
        log.warn("TLS certificate {} and key {} not reloaded, keeping the previous ones: {}",
            cert, key, e.toString());
      }
    }
  }

  /** One CA bundle kept current in a trust manager. */
  static final class Trust {
    private final Path bundle;
    private final AdvancedTlsX509TrustManager manager;
    private long time;

    Trust(Path bundle, AdvancedTlsX509TrustManager manager)
        throws IOException, GeneralSecurityException {
      this.bundle = bundle;
      this.manager = manager;
      load();
    }

    private void load() throws IOException, GeneralSecurityException {
      long newTime = Files.getLastModifiedTime(bundle).toMillis();
      manager.updateTrustCredentials(certificates(bundle));
      time = newTime;
    }

    synchronized void reloadIfChanged() {
      try {
        if (Files.getLastModifiedTime(bundle).toMillis() != time) {
          load();
          log.info("TLS CA bundle reloaded from {}", bundle);
        }
      } catch (IOException | GeneralSecurityException | RuntimeException e) {
        log.warn("TLS CA bundle {} not reloaded, keeping the previous one: {}", bundle,
            e.toString());
      }
    }
  }

  private PemReloader() {}

  static X509Certificate[] certificates(Path file) throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(file)) {
      X509Certificate[] certificates = CertificateUtils.getX509Certificates(in);
      if (certificates.length == 0) {
        throw new GeneralSecurityException(file + " holds no PEM certificate");
      }
      return certificates;
    }
  }

  /** The key signs a challenge that the certificate's public key verifies. */
  static void requirePair(X509Certificate certificate, PrivateKey key)
      throws GeneralSecurityException {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      default -> null;
    };
    if (algorithm == null) {
      return; // unknown key type: the TLS handshake itself will tell
    }
    byte[] challenge = "densemesh tls pair check".getBytes(StandardCharsets.US_ASCII);
    Signature signer = Signature.getInstance(algorithm);
    signer.initSign(key);
    signer.update(challenge);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance(algorithm);
    verifier.initVerify(certificate.getPublicKey());
    verifier.update(challenge);
    if (!verifier.verify(signature)) {
      throw new GeneralSecurityException("the private key does not belong to the certificate "
          + certificate.getSubjectX500Principal().getName());
    }
    Arrays.fill(signature, (byte) 0);
  }
}
