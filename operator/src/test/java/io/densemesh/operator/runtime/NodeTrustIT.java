package io.densemesh.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class NodeTrustIT {

  KubernetesClient client;

  @Test
  void readsTheCaOfTheNodesTlsSecret() {
    client.secrets().inNamespace("ns").resource(new SecretBuilder().withNewMetadata()
        .withName("node-tls").endMetadata().withData(Map.of("ca.crt",
            Base64.getEncoder().encodeToString("PEM".getBytes(StandardCharsets.UTF_8)),
            "tls.crt", "eA==")).build()).create();
    assertThat(new String(NodeTrust.ca(client, "ns", "node-tls"), StandardCharsets.UTF_8))
        .isEqualTo("PEM");
  }

  @Test
  void aMissingSecretOrKeyIsNamed() {
    assertThatThrownBy(() -> NodeTrust.ca(client, "ns", "absent"))
        .hasMessageContaining("ns/absent does not exist");
    client.secrets().inNamespace("ns").resource(new SecretBuilder().withNewMetadata()
        .withName("no-ca").endMetadata().withData(Map.of("tls.crt", "eA==")).build()).create();
    assertThatThrownBy(() -> NodeTrust.ca(client, "ns", "no-ca"))
        .hasMessageContaining("has no 'ca.crt'");
  }
}
