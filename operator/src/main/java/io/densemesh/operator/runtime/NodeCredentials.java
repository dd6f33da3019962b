package io.densemesh.operator.runtime;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The credentials node pods start with, kept in one Secret of the operator's namespace and
 * mounted read-only into every node container ({@value #DIR}): the mesh secret peers present on
 * the internal port ({@value #MESH_SECRET}), the hashed API keys nodes accept from clients
 * ({@value #API_KEYS}, the node's {@code --api-keys-file} format), and the operator's own admin
 * key ({@value #OPERATOR_KEY}), which the operator presents when it registers models.
 *
 * <p>Design: the Secret is created once, with strong random values, when it does not exist, and
 * never rewritten afterwards: an existing Secret (made by the operator earlier, or by an
 * administrator who named it with {@code --node-credentials-secret}) is used as it is, so
 * reconciles and operator restarts keep every node's credentials stable, and administrators add
 * tenants' keys (or a {@code jwks.json}) to it themselves. Values are never logged. The content is
 * a pure function ({@link #generate}); {@link #ensure} is the thin call to the API server.
 */
public final class NodeCredentials {

  private static final Logger log = LoggerFactory.getLogger(NodeCredentials.class);

  /** The default Secret name. */
  public static final String DEFAULT_SECRET = "densemesh-node-credentials";
  /** Where node containers see the Secret. */
  public static final String DIR = "/etc/densemesh/credentials";
  public static final String MESH_SECRET = "mesh-secret";
  public static final String API_KEYS = "api-keys";
  public static final String OPERATOR_KEY = "operator-api-key";
  /** The principal name of the operator's key in {@value #API_KEYS}. */
  public static final String OPERATOR_PRINCIPAL = "densemesh-operator";
  private static final int SECRET_BYTES = 32;

  private NodeCredentials() {}

  /** A new Secret with fresh random values drawn from {@code random}. */
  public static Secret generate(String namespace, String name, SecureRandom random) {
    String operatorKey = "dm_" + token(random);
    Map<String, String> data = new LinkedHashMap<>();
    data.put(MESH_SECRET, token(random));
    data.put(OPERATOR_KEY, operatorKey);
    data.put(API_KEYS, "# <sha256-hex of a key> <tenant> <role> [name]; add tenants' keys here"
        + " (see docs/security.md)\n" + sha256(operatorKey) + " - admin " + OPERATOR_PRINCIPAL
        + "\n");
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("app.kubernetes.io/name", "densemesh");
    labels.put("app.kubernetes.io/component", "node-credentials");
    labels.put(RuntimeWorkload.MANAGED_BY, RuntimeWorkload.MANAGER);
    return new SecretBuilder().withNewMetadata().withName(name).withNamespace(namespace)
        .withLabels(labels).endMetadata()
        .withType("Opaque")
        .withData(encode(data))
        .build();
  }

  /**
   * Makes sure the Secret exists (creating it when absent, never changing an existing one) and
   * returns the operator's key from it.
   *
   * @return the {@value #OPERATOR_KEY} value; empty when an administrator's Secret has none
   * @throws IllegalStateException when the Secret can be neither read nor created
   */
  public static Optional<String> ensure(KubernetesClient client, String namespace, String name,
      SecureRandom random) {
    Secret secret;
    try {
      var secrets = client.secrets().inNamespace(namespace);
      secret = secrets.withName(name).get();
      if (secret == null) {
        try {
          secret = secrets.resource(generate(namespace, name, random)).create();
          log.info("created Secret {}/{} with fresh node credentials (mesh secret, operator API"
              + " key); it is kept as it is from now on", namespace, name);
        } catch (KubernetesClientException e) {
          if (e.getCode() != 409) {
            throw e;
          }
          secret = secrets.withName(name).get(); // another operator instance won the race
        }
      }
    } catch (KubernetesClientException e) {
      // No cause chained: the caller reports the deepest cause, and this is the useful one.
      throw new IllegalStateException("cannot read or create Secret " + namespace + "/" + name
          + " with the node credentials (the operator needs 'create' on secrets and 'get' on"
          + " this one): " + e.getMessage());
    }
    Optional<String> key = value(secret, OPERATOR_KEY);
    if (key.isEmpty()) {
      log.warn("Secret {}/{} has no '{}': the operator calls nodes without credentials, and"
          + " nodes that authenticate refuse its registrations", namespace, name, OPERATOR_KEY);
    }
    if (value(secret, MESH_SECRET).isEmpty() || value(secret, API_KEYS).isEmpty()) {
      log.warn("Secret {}/{} lacks '{}' or '{}': node pods that mount it will not start",
          namespace, name, MESH_SECRET, API_KEYS);
    }
    return key;
  }

  /** A key's value, from {@code data} (base64) or {@code stringData}. */
  static Optional<String> value(Secret secret, String key) {
    if (secret == null) {
      return Optional.empty();
    }
    if (secret.getData() != null && secret.getData().get(key) != null) {
      return Optional.of(new String(Base64.getDecoder().decode(secret.getData().get(key)),
          StandardCharsets.UTF_8).strip()).filter(v -> !v.isEmpty());
    }
    if (secret.getStringData() != null && secret.getStringData().get(key) != null) {
      return Optional.of(secret.getStringData().get(key).strip()).filter(v -> !v.isEmpty());
    }
    return Optional.empty();
  }

  private static String token(SecureRandom random) {
    byte[] bytes = new byte[SECRET_BYTES];
    random.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** As the node hashes API keys ({@code io.densemesh.auth.ApiKeys}). */
  static String sha256(String key) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  private static Map<String, String> encode(Map<String, String> data) {
    Map<String, String> encoded = new LinkedHashMap<>();
    data.forEach((k, v) -> encoded.put(k,
        Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    return encoded;
  }
}
