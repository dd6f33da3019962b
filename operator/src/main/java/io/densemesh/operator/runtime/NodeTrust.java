package io.densemesh.operator.runtime;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The CA the nodes' serving certificates chain to, read from the Secret named by
 * {@code --node-tls-secret} (key {@code ca.crt}, as cert-manager writes it): the operator's own
 * calls to nodes verify them against it.
 */
public final class NodeTrust {

  public static final String CA_KEY = "ca.crt";

  private NodeTrust() {}

  /**
   * @return the PEM bytes of {@code ca.crt}
   * @throws IllegalStateException when the Secret or the key is missing, or not readable
   */
  public static byte[] ca(KubernetesClient client, String namespace, String secret) {
    Secret found;
    try {
      found = client.secrets().inNamespace(namespace).withName(secret).get();
    } catch (KubernetesClientException e) {
      throw new IllegalStateException("cannot read Secret " + namespace + "/" + secret
          + " (the operator needs 'get' on it): " + e.getMessage());
    }
    if (found == null) {
      throw new IllegalStateException("Secret " + namespace + "/" + secret + " does not exist");
    }
    if (found.getData() != null && found.getData().get(CA_KEY) != null) {
      try {
        return Base64.getDecoder().decode(found.getData().get(CA_KEY));
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException("Secret " + namespace + "/" + secret + " has a '" + CA_KEY
            + "' that is not base64");
      }
    }
    if (found.getStringData() != null && found.getStringData().get(CA_KEY) != null) {
      return found.getStringData().get(CA_KEY).getBytes(StandardCharsets.UTF_8);
    }
    throw new IllegalStateException("Secret " + namespace + "/" + secret + " has no '" + CA_KEY
        + "'");
  }
}
