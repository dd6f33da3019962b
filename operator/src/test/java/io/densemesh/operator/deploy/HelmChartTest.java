package io.densemesh.operator.deploy;

import static io.densemesh.operator.deploy.DeployManifestsTest.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.LintResult;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart through real Helm (helm-java): {@code helm lint}, and {@code helm template} with
 * default and overridden values, read back as objects: names from the release, standard labels,
 * images, resources, scheduling, security contexts, the CRDs' opt-out and the NetworkPolicy.
 */
class HelmChartTest {

  static final HelmChart CHART = new HelmChart(DeployManifestsTest.CHART);

  static Map<String, Object> find(List<Map<String, Object>> objects, String kind, String name) {
    return objects.stream().filter(d -> d.get("kind").equals(kind)
            && map(d.get("metadata")).get("name").equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError(kind + "/" + name + " not rendered"));
  }

  static Map<String, Object> podSpec(Map<String, Object> workload) {
    return map(map(map(workload.get("spec")).get("template")).get("spec"));
  }

  static Map<String, Object> container(Map<String, Object> workload) {
    return map(((List<?>) podSpec(workload).get("containers")).get(0));
  }

  @SuppressWarnings("unchecked")
  static String env(Map<String, Object> container, String name) {
    return ((List<Map<String, Object>>) container.get("env")).stream()
        .filter(e -> e.get("name").equals(name)).map(e -> (String) e.get("value")).findFirst()
        .orElseThrow(() -> new AssertionError("no env " + name));
  }

  @Test
  void lintPasses() {
    LintResult lint = CHART.lint();
    assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
    assertThat(lint.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
  }

  @Test
  void defaultsNameEverythingFromTheReleaseWithStandardLabels() {
    List<Map<String, Object>> objects = CHART.render("prod", "serving");
    Map<String, Object> operator = find(objects, "Deployment", "prod-densemesh-operator");
    find(objects, "StatefulSet", "prod-densemesh-etcd");
    find(objects, "Secret", "prod-densemesh-etcd");
    find(objects, "ServiceAccount", "prod-densemesh-operator");
    find(objects, "ServingRuntime", "prod-densemesh-onnx");
    find(objects, "ClusterRole", "prod-densemesh-operator-serving");
    for (Map<String, Object> object : objects) {
      Map<String, Object> labels = map(map(object.get("metadata")).get("labels"));
      assertThat(labels).as(object.get("kind") + " labels")
          .containsEntry("app.kubernetes.io/name", "densemesh")
          .containsEntry("app.kubernetes.io/instance", "prod")
          .containsEntry("app.kubernetes.io/managed-by", "Helm")
          .containsEntry("helm.sh/chart", "densemesh-0.1.0")
          .containsEntry("app.kubernetes.io/version", "0.1.0");
    }
    Map<String, Object> selector = map(map(operator.get("spec")).get("selector"));
    assertThat(map(selector.get("matchLabels"))).containsEntry("app.kubernetes.io/instance", "prod")
        .containsEntry("app.kubernetes.io/component", "operator");
    Map<String, Object> container = container(operator);
    assertThat(container).containsEntry("image", "densemesh/operator:0.1.0")
        .containsEntry("imagePullPolicy", "IfNotPresent");
    assertThat(env(container, "DM_NODE_IMAGE")).isEqualTo("densemesh/node:0.1.0");
    assertThat(env(container, "DM_ETCD_SECRET")).isEqualTo("prod-densemesh-etcd");
    assertThat(env(container, "DM_NODE_CREDENTIALS_SECRET"))
        .isEqualTo("prod-densemesh-node-credentials");
    assertThat((List<?>) container.get("env")).as("node pods authenticate by default")
        .noneMatch(e -> map(e).get("name").equals("DM_INSECURE_NODES"));
    @SuppressWarnings("unchecked")
    List<Object> rules =
        (List<Object>) find(objects, "Role", "prod-densemesh-operator").get("rules");
    assertThat(rules).as("create Secrets, read only the credentials Secret")
        .contains(Map.of("apiGroups", List.of(""), "resources", List.of("secrets"),
            "verbs", List.of("create")))
        .contains(Map.of("apiGroups", List.of(""), "resources", List.of("secrets"),
            "resourceNames", List.of("prod-densemesh-node-credentials"),
            "verbs", List.of("get")));
    assertThat(map(container.get("resources"))).containsKeys("requests", "limits");
    assertThat(podSpec(operator)).containsEntry("serviceAccountName", "prod-densemesh-operator")
        .doesNotContainKeys("nodeSelector", "tolerations", "affinity", "imagePullSecrets");
    Map<String, Object> secret = find(objects, "Secret", "prod-densemesh-etcd");
    assertThat(map(secret.get("stringData"))).containsEntry("endpoints",
        "http://prod-densemesh-etcd-0.prod-densemesh-etcd:2379");
    Map<String, Object> etcd = find(objects, "StatefulSet", "prod-densemesh-etcd");
    assertThat(container(etcd)).containsEntry("image", "quay.io/coreos/etcd:v3.5.17");
    assertThat(new ArrayList<Object>((List<?>) container(etcd).get("command")))
        .contains("--initial-cluster=prod-densemesh-etcd-0"
            + "=http://prod-densemesh-etcd-0.prod-densemesh-etcd:2380");
  }

  @Test
  void operatorAndEtcdRunNonRootReadOnlyWithoutCapabilities() {
    List<Map<String, Object>> objects = CHART.render("densemesh", "serving");
    for (Map<String, Object> workload : List.of(
        find(objects, "Deployment", "densemesh-operator"),
        find(objects, "StatefulSet", "densemesh-etcd"))) {
      Map<String, Object> pod = map(podSpec(workload).get("securityContext"));
      assertThat(pod).containsEntry("runAsNonRoot", true)
          .containsEntry("seccompProfile", Map.of("type", "RuntimeDefault"));
      Map<String, Object> security = map(container(workload).get("securityContext"));
      assertThat(security).as(workload.get("kind") + " container")
          .containsEntry("runAsNonRoot", true)
          .containsEntry("readOnlyRootFilesystem", true)
          .containsEntry("allowPrivilegeEscalation", false)
          .containsEntry("capabilities", Map.of("drop", List.of("ALL")))
          .containsEntry("seccompProfile", Map.of("type", "RuntimeDefault"));
    }
  }

  @Test
  void operatorIsProbedOnItsHealthEndpointLikeThePlainManifest() {
    Map<String, Object> chart = container(find(CHART.render("densemesh", "serving"),
        "Deployment", "densemesh-operator"));
    Map<String, Object> plain = container(DeployManifestsTest.documents(
        DeployManifestsTest.DEPLOY.resolve("operator/operator.yaml")).stream()
        .filter(d -> d.get("kind").equals("Deployment")).findFirst().orElseThrow());
    for (Map<String, Object> operator : List.of(chart, plain)) {
      assertThat(map(map(operator.get("livenessProbe")).get("httpGet")))
          .containsEntry("path", "/livez").containsEntry("port", "health");
      assertThat(map(map(operator.get("readinessProbe")).get("httpGet")))
          .containsEntry("path", "/readyz").containsEntry("port", "health");
      assertThat(operator.get("ports"))
          .isEqualTo(List.of(Map.of("name", "health", "containerPort", 8081)));
      assertThat(env(operator, "DM_HEALTH_PORT")).isEqualTo("8081");
      assertThat(map(operator.get("securityContext")))
          .containsEntry("readOnlyRootFilesystem", true)
          .containsEntry("capabilities", Map.of("drop", List.of("ALL")))
          .containsEntry("seccompProfile", Map.of("type", "RuntimeDefault"));
    }
  }

  @Test
  void overriddenValuesReachTheObjects() {
    Map<String, Object> overrides = Map.of(
        "operator", Map.of(
            "image", Map.of("repository", "registry.example/dm/operator", "tag", "1.2.3",
                "pullPolicy", "Always"),
            "resources", Map.of("requests", Map.of("cpu", "250m", "memory", "300Mi")),
            "nodeSelector", Map.of("pool", "control"),
            "tolerations", List.of(Map.of("key", "dedicated", "operator", "Equal",
                "value", "control", "effect", "NoSchedule"))),
        "node", Map.of("image", Map.of("repository", "registry.example/dm/node",
            "tag", "1.2.3"), "credentialsSecret", "team-node-keys", "insecure", true),
        "etcd", Map.of("image", Map.of("tag", "v3.5.21"),
            "nodeSelector", Map.of("disk", "ssd")),
        "runtime", Map.of("nodeSelector", Map.of("gpu", "true"),
            "resources", Map.of("limits", Map.of("memory", "8Gi"))),
        "serviceAccount", Map.of("create", false, "name", "platform-operator"),
        "imagePullSecrets", List.of(Map.of("name", "regcred")),
        "kserveCrds", Map.of("install", false),
        "networkPolicy", Map.of("enabled", false));
    List<Map<String, Object>> objects = CHART.render("densemesh", "serving", overrides);

    Map<String, Object> operator = find(objects, "Deployment", "densemesh-operator");
    Map<String, Object> container = container(operator);
    assertThat(container).containsEntry("image", "registry.example/dm/operator:1.2.3")
        .containsEntry("imagePullPolicy", "Always")
        .containsEntry("resources", Map.of("requests", Map.of("cpu", "250m", "memory", "300Mi"),
            "limits", Map.of("memory", "512Mi")));
    assertThat(env(container, "DM_NODE_IMAGE")).isEqualTo("registry.example/dm/node:1.2.3");
    assertThat(env(container, "DM_NODE_CREDENTIALS_SECRET")).isEqualTo("team-node-keys");
    assertThat(env(container, "DM_INSECURE_NODES")).isEqualTo("true");
    assertThat(podSpec(operator)).containsEntry("nodeSelector", Map.of("pool", "control"))
        .containsEntry("serviceAccountName", "platform-operator")
        .containsEntry("imagePullSecrets", List.of(Map.of("name", "regcred")));
    assertThat((List<?>) podSpec(operator).get("tolerations")).hasSize(1);
    Map<String, Object> etcd = find(objects, "StatefulSet", "densemesh-etcd");
    assertThat(container(etcd)).containsEntry("image", "quay.io/coreos/etcd:v3.5.21");
    assertThat(podSpec(etcd)).containsEntry("nodeSelector", Map.of("disk", "ssd"));
    Map<String, Object> runtime = map(find(objects, "ServingRuntime", "densemesh-onnx")
        .get("spec"));
    assertThat(runtime).containsEntry("nodeSelector", Map.of("gpu", "true"))
        .containsEntry("imagePullSecrets", List.of(Map.of("name", "regcred")));
    assertThat(map(map(((List<?>) runtime.get("containers")).get(0)).get("resources")))
        .containsEntry("limits", Map.of("memory", "8Gi"));

    assertThat(objects).as("no ServiceAccount when create=false")
        .noneMatch(d -> d.get("kind").equals("ServiceAccount"));
    assertThat(objects).noneMatch(d -> d.get("kind").equals("NetworkPolicy"));
    assertThat(crdNames(objects)).as("KServe CRDs opted out, PlacementPolicy's kept")
        .containsExactly("placementpolicies.densemesh.io");
  }

  @Test
  void crdsAreTemplatesKeptOnUninstall() {
    List<Map<String, Object>> objects = CHART.render("densemesh", "serving");
    assertThat(crdNames(objects)).containsExactlyInAnyOrder(
        "servingruntimes.serving.kserve.io", "clusterservingruntimes.serving.kserve.io",
        "inferenceservices.serving.kserve.io", "placementpolicies.densemesh.io");
    objects.stream().filter(d -> d.get("kind").equals("CustomResourceDefinition"))
        .forEach(crd -> assertThat(map(map(crd.get("metadata")).get("annotations")))
            .containsEntry("helm.sh/resource-policy", "keep"));
    assertThat(crdNames(CHART.render("densemesh", "serving", Map.of(
        "kserveCrds", Map.of("install", false),
        "placementPolicyCrd", Map.of("install", false))))).isEmpty();
  }

  static List<String> crdNames(List<Map<String, Object>> objects) {
    return objects.stream().filter(d -> d.get("kind").equals("CustomResourceDefinition"))
        .map(d -> (String) map(d.get("metadata")).get("name")).toList();
  }

  @Test
  void networkPolicyLetsOnlyMeshPodsReachTheInternalPortAndEtcd() {
    List<Map<String, Object>> objects = CHART.render("densemesh", "serving");
    Map<String, String> meshPods = Map.of("app.kubernetes.io/name", "densemesh",
        "app.kubernetes.io/component", "node"); // as RuntimeWorkload labels node pods
    Map<String, Object> node = map(find(objects, "NetworkPolicy", "densemesh-node").get("spec"));
    assertThat(map(node.get("podSelector")).get("matchLabels")).isEqualTo(meshPods);
    assertThat(node.get("policyTypes")).isEqualTo(List.of("Ingress"));
    List<?> rules = (List<?>) node.get("ingress");
    assertThat(rules).hasSize(2);
    assertThat(map(rules.get(0))).doesNotContainKey("from")
        .containsEntry("ports", List.of(Map.of("port", 8033), Map.of("port", 8008),
            Map.of("port", 2112)));
    assertThat(map(rules.get(1))).containsEntry("ports", List.of(Map.of("port", 8080)))
        .containsEntry("from", List.of(Map.of("podSelector", Map.of("matchLabels", meshPods))));

    Map<String, Object> etcdPolicy = map(find(objects, "NetworkPolicy", "densemesh-etcd")
        .get("spec"));
    Map<String, Object> etcdPods = map(map(map(find(objects, "StatefulSet", "densemesh-etcd")
        .get("spec")).get("selector")).get("matchLabels"));
    assertThat(map(etcdPolicy.get("podSelector")).get("matchLabels")).isEqualTo(etcdPods);
    List<?> etcdRules = (List<?>) etcdPolicy.get("ingress");
    assertThat(map(etcdRules.get(0))).containsEntry("ports", List.of(Map.of("port", 2379)))
        .containsEntry("from", List.of(Map.of("podSelector", Map.of("matchLabels", meshPods))));
    assertThat(map(etcdRules.get(1))).containsEntry("ports", List.of(Map.of("port", 2380)))
        .containsEntry("from", List.of(Map.of("podSelector", Map.of("matchLabels", etcdPods))));
    assertThat(etcdRules).hasSize(2);
  }

  @Test
  void twoReleasesInOneNamespaceDoNotCollide() {
    List<Map<String, Object>> first = CHART.render("blue", "serving");
    // CRDs are cluster-wide singletons: only one release installs them.
    List<Map<String, Object>> second = CHART.render("green", "serving", Map.of(
        "kserveCrds", Map.of("install", false),
        "placementPolicyCrd", Map.of("install", false)));
    Set<String> names = new HashSet<>();
    List<String> collisions = new ArrayList<>();
    for (Map<String, Object> object : concat(first, second)) {
      String key = object.get("kind") + "/" + map(object.get("metadata")).get("name");
      if (!names.add(key)) {
        collisions.add(key);
      }
    }
    assertThat(collisions).isEmpty();
    assertThat(names).contains("Deployment/blue-densemesh-operator",
        "Deployment/green-densemesh-operator", "Secret/blue-densemesh-etcd",
        "Secret/green-densemesh-etcd");
    Map<String, Object> blueSecret = map(find(first, "Secret", "blue-densemesh-etcd")
        .get("stringData"));
    Map<String, Object> greenSecret = map(find(second, "Secret", "green-densemesh-etcd")
        .get("stringData"));
    assertThat(blueSecret.get("prefix")).as("registries apart in a shared etcd")
        .isNotEqualTo(greenSecret.get("prefix"));
    Map<String, Object> blueEtcd = map(map(find(first, "StatefulSet", "blue-densemesh-etcd")
        .get("spec")).get("selector"));
    Map<String, Object> greenEtcd = map(map(find(second, "StatefulSet", "green-densemesh-etcd")
        .get("spec")).get("selector"));
    assertThat(blueEtcd).as("selectors do not pick the other release's pods")
        .isNotEqualTo(greenEtcd);
  }

  static List<Map<String, Object>> concat(List<Map<String, Object>> a,
      List<Map<String, Object>> b) {
    List<Map<String, Object>> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  @Test
  void externalEtcdWithoutEndpointsFailsWithAClearMessage() {
    assertThatThrownBy(() -> CHART.render("densemesh", "serving",
        Map.of("etcd", Map.of("enabled", false))))
        .hasMessageContaining("etcd.endpoints is required when etcd.enabled is false");
  }
}
