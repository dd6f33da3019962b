package io.densemesh.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away certificate authority for tests: issues server certificates valid for
 * {@code 127.0.0.1} and {@code localhost}, and client certificates, written as PEM files
 * (certificate chain, PKCS#8 key) the way cert-manager's Secrets hold them.
 */
public final class TestPki {

  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  private final String name;
  private final KeyPair caKeys;
  private final X509Certificate ca;

  /** A certificate and key issued by this CA, with the CA bundle beside them. */
  public record Issued(Path cert, Path key, Path ca) {}

  public TestPki(String name) {
    this.name = name;
    try {
      this.caKeys = rsa();
      X500Name subject = new X500Name("CN=" + name + " test CA");
      X509v3CertificateBuilder builder = builder(subject, subject, caKeys,
          Duration.ofDays(2));
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      builder.addExtension(Extension.keyUsage, true,
          new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      this.ca = sign(builder, caKeys.getPrivate());
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes the CA certificate as PEM to {@code file}. */
  public Path writeCa(Path file) {
    try {
      write(file, pem(ca));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  /** A server (and client) certificate for loopback named {@code cn}, valid for a day. */
  public Issued issue(Path dir, String cn) {
    return issue(dir, cn, Instant.now().plus(Duration.ofDays(1)));
  }

  /** As {@link #issue(Path, String)}, expiring at {@code notAfter}. */
  public Issued issue(Path dir, String cn, Instant notAfter) {
    try {
      Files.createDirectories(dir);
      KeyPair keys = rsa();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
          new X500Name("CN=" + name + " test CA"), BigInteger.valueOf(SERIAL.incrementAndGet()),
          Date.from(Instant.now().minus(Duration.ofHours(1))), Date.from(notAfter),
          new X500Name("CN=" + cn), keys.getPublic());
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.keyUsage, true,
          new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
          new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
          new GeneralName[] {new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
              new GeneralName(GeneralName.dNSName, "localhost")}));
      X509Certificate cert = sign(builder, caKeys.getPrivate());
      Path certFile = dir.resolve(cn + ".crt");
      Path keyFile = dir.resolve(cn + ".key");
      write(certFile, pem(cert));
      write(keyFile, pkcs8(keys.getPrivate()));
      return new Issued(certFile, keyFile, writeCa(dir.resolve("ca.crt")));
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** An RSA key pair as PEM: PKCS#8 private key and X.509 (SubjectPublicKeyInfo) public key. */
  public static void writeRsaKeyPair(Path privateKey, Path publicKey) {
    try {
      KeyPair keys = rsa();
      write(privateKey, pkcs8(keys.getPrivate()));
      write(publicKey, pem(keys.getPublic()));
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject,
      KeyPair keys, Duration validity) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(validity)), subject,
        keys.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter().getCertificate(
          builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(key)));
    } catch (org.bouncycastle.operator.OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static KeyPair rsa() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    return generator.generateKeyPair();
  }

  private static String pem(Object object) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    }
    return out.toString();
  }

  private static String pkcs8(PrivateKey key) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(new JcaPKCS8Generator(key, null));
    }
    return out.toString();
  }

  private static void write(Path file, String text) {
    try {
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
