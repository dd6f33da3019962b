package io.densemesh.config;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How a node proves itself to etcd and checks etcd's identity: TLS material (PEM text, read once
 * at start) and an etcd user. Validated against the endpoints it is used with: an {@code https}
 * endpoint needs a CA that parses as at least one X.509 certificate, TLS material with plain
 * {@code http} endpoints is refused (it would be silently unused), and a user needs a password.
 * The password never appears in {@link #toString()}.
 *
 * @param caPem CA bundle that etcd's server certificate must chain to
 * @param certPem this node's client certificate chain (etcd {@code --client-cert-auth})
 * @param keyPem the client certificate's private key (PKCS#8 PEM)
 * @param user etcd user name; empty for none
 * @param password the user's password; empty for none
 * @param authority name checked against etcd's certificate instead of the endpoint host; empty
 *     for the endpoint host
 */
public record EtcdAccess(
    Optional<String> caPem,
    Optional<String> certPem,
    Optional<String> keyPem,
    String user,
    String password,
    String authority) {

  /** No TLS and no user: plain {@code http} etcd. */
  public static final EtcdAccess NONE = new EtcdAccess(Optional.empty(), Optional.empty(),
      Optional.empty(), "", "", "");

  public EtcdAccess {
    Objects.requireNonNull(caPem, "caPem");
    Objects.requireNonNull(certPem, "certPem");
    Objects.requireNonNull(keyPem, "keyPem");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(password, "password");
    Objects.requireNonNull(authority, "authority");
    require(certPem.isPresent() == keyPem.isPresent(),
        "--etcd-cert and --etcd-key go together: give both or neither");
    require(user.isEmpty() || !password.isEmpty(),
        "etcd user '" + user + "' has no password (set DM_ETCD_PASSWORD or --etcd-password-file)");
    require(password.isEmpty() || !user.isEmpty(), "an etcd password needs --etcd-user");
    caPem.ifPresent(pem -> requireCertificates("--etcd-ca", pem));
    certPem.ifPresent(pem -> requireCertificates("--etcd-cert", pem));
    keyPem.ifPresent(pem -> require(pem.contains("-----BEGIN") && pem.contains("PRIVATE KEY-----"),
        "--etcd-key holds no PEM private key"));
  }

  /** Whether the connection uses TLS. */
  public boolean tls() {
    return caPem.isPresent();
  }

  public boolean authenticates() {
    return !user.isEmpty();
  }

  /**
   * Checks this access fits the endpoints: all {@code https} with a CA, or all {@code http}
   * without TLS material.
   *
   * @throws ConfigException naming what is missing or contradictory
   */
  public void requireFits(List<String> endpoints) {
    long secure = endpoints.stream().filter(e -> e.startsWith("https://")).count();
    if (secure == 0) {
      require(caPem.isEmpty() && certPem.isEmpty(),
          "etcd TLS material is set but the etcd endpoints are http:// (use https:// endpoints)");
      return;
    }
    require(secure == endpoints.size(),
        "--etcd mixes https:// and http:// endpoints: " + endpoints);
    require(caPem.isPresent(), "--etcd uses https:// but no CA is set (--etcd-ca, the "
        + "Secret's ca.crt or etcd_connection's certificate); DenseMesh never falls back to "
        + "plaintext or an unchecked server");
  }

  @Override
  public String toString() {
    return "EtcdAccess[tls=" + tls() + ", clientCert=" + certPem.isPresent() + ", user="
        + (user.isEmpty() ? "-" : user) + ", password=" + (password.isEmpty() ? "-" : "***")
        + (authority.isEmpty() ? "" : ", authority=" + authority) + "]";
  }

  private static void requireCertificates(String option, String pem) {
    try {
      boolean any = !CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))
          .isEmpty();
      require(any, option + " holds no PEM certificate");
    } catch (CertificateException e) {
      throw new ConfigException(option + " holds no usable PEM certificate: " + e.getMessage());
    }
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new ConfigException(message);
    }
  }
}
