package io.densemesh.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.densemesh.auth.ApiKeys;
import io.densemesh.auth.Role;
import io.densemesh.config.NodeConfig;
import io.densemesh.config.NodeOptions;
import io.densemesh.operator.TestManifests;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node credentials the operator generates: strong, fresh random values, a key file the node
 * parses, and a rendered node container that, given them, starts authenticated on its pod IP.
 */
class NodeCredentialsTest {

  @TempDir Path dir;

  static String value(Secret secret, String key) {
    return NodeCredentials.value(secret, key).orElseThrow();
  }

  @Test
  void valuesAreRandomAndStrongAndNeverRepeat() {
    SecureRandom random = new SecureRandom();
    Secret a = NodeCredentials.generate("serving", "creds", random);
    Secret b = NodeCredentials.generate("serving", "creds", random);
    assertThat(a.getMetadata().getName()).isEqualTo("creds");
    assertThat(a.getMetadata().getNamespace()).isEqualTo("serving");
    assertThat(a.getData()).containsOnlyKeys("mesh-secret", "api-keys", "operator-api-key");
    assertThat(value(a, "mesh-secret")).hasSizeGreaterThanOrEqualTo(43) // 32 random bytes
        .isNotEqualTo(value(b, "mesh-secret"));
    assertThat(value(a, "operator-api-key")).hasSizeGreaterThanOrEqualTo(43)
        .isNotEqualTo(value(b, "operator-api-key"))
        .isNotEqualTo(value(a, "mesh-secret"));
    assertThat(value(a, "api-keys")).as("the key file holds only a hash of the key")
        .doesNotContain(value(a, "operator-api-key"));
  }

  @Test
  void theKeyFileAuthenticatesTheOperatorAsAdminWithTheNodesOwnParser() {
    Secret secret = NodeCredentials.generate("serving", "creds", new SecureRandom());
    ApiKeys keys = ApiKeys.parse(value(secret, "api-keys").lines().toList());
    assertThat(keys.size()).isEqualTo(1);
    assertThat(keys.lookup(value(secret, "operator-api-key"))).get().satisfies(p -> {
      assertThat(p.role()).isEqualTo(Role.ADMIN);
      assertThat(p.subject()).isEqualTo("densemesh-operator");
    });
    assertThat(keys.lookup(value(secret, "mesh-secret"))).isEmpty();
  }

  @Test
  void theRenderedNodeStartsAuthenticatedBeyondLoopbackWithoutInsecure() throws IOException {
    Secret secret = NodeCredentials.generate("serving", "creds", new SecureRandom());
    GenericKubernetesResource owner = TestManifests.yaml("""
        apiVersion: serving.kserve.io/v1alpha1
        kind: ServingRuntime
        metadata: {name: onnx, namespace: serving, uid: u1}
        spec:
          multiModel: true
          supportedModelFormats: [{name: onnx}]
        """);
    WorkloadSettings settings =
        new WorkloadSettings("serving", "densemesh/node:test", 2, "etcd-conn", "storage-config");
    Container node = RuntimeWorkload.desired(RuntimeSpec.from(owner), owner, settings)
        .deployment().getSpec().getTemplate().getSpec().getContainers().get(0);
    // The Secret as the kubelet mounts it, under this test's directory.
    Path mount = dir.resolve("credentials");
    Files.createDirectories(mount);
    for (String key : secret.getData().keySet()) {
      Files.writeString(mount.resolve(key), value(secret, key));
    }
    Map<String, String> env = new HashMap<>();
    for (EnvVar e : node.getEnv()) {
      if (e.getValue() != null && e.getName().startsWith("DM_")
          && !e.getName().equals("DM_ETCD_SECRET_DIR")) { // no etcd Secret here
        env.put(e.getName(), e.getValue().replace(NodeCredentials.DIR, mount.toString())
            .replace("/data", dir.resolve("data").toString()));
      }
    }
    NodeConfig config = NodeOptions.parse(List.of(), env);
    assertThat(config.auth().enabled()).isTrue();
    assertThat(config.auth().insecure()).isFalse();
    assertThat(config.auth().meshSecretFile()).contains(mount.resolve("mesh-secret"));
    assertThat(config.bindHost()).as("authenticated, so it binds the pod IP").isEqualTo("0.0.0.0");
    assertThat(config.loopbackOnly()).isFalse();
  }
}
