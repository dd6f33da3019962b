package io.densemesh.operator.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.densemesh.operator.isvc.PredictorSpec;
import io.densemesh.operator.placement.PlacementPolicySpec;
import io.densemesh.operator.runtime.RuntimeSpec;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Everything under deploy/ is checked here: every YAML parses, CRDs are structural, every custom
 * resource (examples, the Helm chart's output, KServe's published manifests) validates against
 * its CRD and reads as intended by the operator, the chart renders, and the dashboard only uses
 * documented metrics.
 */
class DeployManifestsTest {

  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final Path DEPLOY = ROOT.resolve("deploy");
  static final Path CHART = DEPLOY.resolve("helm/densemesh");
  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  static List<Map<String, Object>> documents(String text) {
    List<Map<String, Object>> docs = new ArrayList<>();
    for (String doc : text.split("(?m)^---\\s*$")) {
      boolean content = doc.lines().anyMatch(l -> !l.isBlank() && !l.trim().startsWith("#"));
      if (content) {
        docs.add(SERIALIZATION.unmarshal(doc, Map.class));
      }
    }
    return docs;
  }

  static List<Map<String, Object>> documents(Path file) {
    try {
      return documents(Files.readString(file));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static List<Path> yamlFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(p -> p.toString().endsWith(".yaml"))
          .filter(p -> !p.startsWith(CHART.resolve("templates"))).sorted().toList();
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  /** {@code group/version/Kind} to the CRD's openAPIV3Schema. */
  static Map<String, Map<String, Object>> crdSchemas() throws IOException {
    Map<String, Map<String, Object>> schemas = new LinkedHashMap<>();
    for (Path file : yamlFiles(DEPLOY.resolve("crds"))) {
      for (Map<String, Object> crd : documents(file)) {
        Map<String, Object> spec = map(crd.get("spec"));
        String kind = (String) map(spec.get("names")).get("kind");
        for (Object v : (List<?>) spec.get("versions")) {
          Map<String, Object> version = map(v);
          schemas.put(spec.get("group") + "/" + version.get("name") + "/" + kind,
              map(map(version.get("schema")).get("openAPIV3Schema")));
        }
      }
    }
    return schemas;
  }

  static String gvk(Map<String, Object> doc) {
    return doc.get("apiVersion") + "/" + doc.get("kind");
  }

  static final HelmChart HELM_CHART = new HelmChart(CHART);

  /** The chart rendered by Helm as release "densemesh" in namespace "serving". */
  static List<Map<String, Object>> renderChart(Map<String, Object> overrides) {
    return HELM_CHART.render("densemesh", "serving", overrides);
  }

  @Test
  void everyManifestParsesAndNamesItsObject() throws IOException {
    List<Path> files = yamlFiles(DEPLOY);
    assertThat(files).hasSizeGreaterThan(10);
    for (Path file : files) {
      if (file.getFileName().toString().equals("values.yaml")
          || file.getFileName().toString().equals("Chart.yaml")) {
        continue;
      }
      for (Map<String, Object> doc : documents(file)) {
        assertThat(doc).as(file.toString()).containsKeys("apiVersion", "kind", "metadata");
        assertThat(map(doc.get("metadata")).get("name")).as(file + " metadata.name")
            .isInstanceOf(String.class);
      }
    }
  }

  @Test
  void crdsAreStructuralWithStatusSubresources() throws IOException {
    List<Path> crds = yamlFiles(DEPLOY.resolve("crds"));
    assertThat(crds).hasSize(4);
    for (Path file : crds) {
      Map<String, Object> crd = documents(file).get(0);
      Map<String, Object> spec = map(crd.get("spec"));
      Map<String, Object> names = map(spec.get("names"));
      assertThat(map(crd.get("metadata")).get("name")).as(file.toString())
          .isEqualTo(names.get("plural") + "." + spec.get("group"));
      for (Object v : (List<?>) spec.get("versions")) {
        Map<String, Object> version = map(v);
        assertThat(map(version.get("subresources"))).containsKey("status");
        assertThat(StructuralSchema.structuralErrors(map(map(version.get("schema"))
            .get("openAPIV3Schema")))).as(file.toString()).isEmpty();
      }
    }
    assertThat(crdSchemas()).containsOnlyKeys(
        "serving.kserve.io/v1alpha1/ServingRuntime",
        "serving.kserve.io/v1alpha1/ClusterServingRuntime",
        "serving.kserve.io/v1beta1/InferenceService",
        "densemesh.io/v1alpha1/PlacementPolicy");
  }

  @Test
  void customResourcesValidateAgainstTheirCrds() throws IOException {
    Map<String, Map<String, Object>> schemas = crdSchemas();
    List<Map<String, Object>> resources = new ArrayList<>();
    for (Path file : yamlFiles(DEPLOY.resolve("examples"))) {
      resources.addAll(documents(file));
    }
    resources.addAll(renderChart(Map.of()));
    try (Stream<Path> files = Files.list(Path.of("src/test/resources/kserve"))) {
      for (Path file : files.sorted().toList()) {
        resources.addAll(documents(file));
      }
    }
    int checked = 0;
    for (Map<String, Object> doc : resources) {
      Map<String, Object> schema = schemas.get(gvk(doc));
      if (schema == null) {
        continue;
      }
      assertThat(StructuralSchema.validate(doc, schema))
          .as(gvk(doc) + " " + map(doc.get("metadata")).get("name")).isEmpty();
      checked++;
    }
    assertThat(checked).as("custom resources checked").isGreaterThanOrEqualTo(10);
  }

  @Test
  void validatorRejectsWhatTheApiServerWould() throws IOException {
    Map<String, Object> isvc = crdSchemas().get("serving.kserve.io/v1beta1/InferenceService");
    Map<String, Object> policy = crdSchemas().get("densemesh.io/v1alpha1/PlacementPolicy");
    assertThat(StructuralSchema.validate(documents("""
        apiVersion: serving.kserve.io/v1beta1
        kind: InferenceService
        metadata: {name: x}
        spec:
          predictor:
            model:
              modelFormat: {version: "1"}
              storageUri: 42
        """).get(0), isvc)).containsExactlyInAnyOrder(
        "spec.predictor.model.modelFormat: missing required field name",
        "spec.predictor.model.storageUri: must be a string, got 42");
    assertThat(StructuralSchema.validate(documents("""
        apiVersion: densemesh.io/v1alpha1
        kind: PlacementPolicy
        metadata: {name: x}
        spec:
          evicton: lru
          loadingConcurrency: "4"
        """).get(0), policy)).containsExactlyInAnyOrder(
        "spec.evicton: unknown field (the API server would drop it)",
        "spec.loadingConcurrency: must be an integer, got 4");
    assertThat(StructuralSchema.structuralErrors(map(documents("""
        type: object
        properties:
          a: {properties: {b: {type: string}}}
        """).get(0)))).containsExactly(
        "openAPIV3Schema.a: type is required in a structural schema",
        "openAPIV3Schema.a: properties need type object");
  }

  @Test
  void examplesReadAsIntendedByTheOperator() {
    GenericKubernetesResource runtime = resource("examples/servingruntime-onnx.yaml");
    RuntimeSpec spec = RuntimeSpec.from(runtime);
    assertThat(spec.servedByMesh()).isTrue();
    assertThat(spec.replicas()).contains(2);
    PredictorSpec predictor = PredictorSpec.from(resource("examples/inferenceservice-onnx.yaml"));
    assertThat(predictor.format()).isEqualTo("onnx");
    PlacementPolicySpec policy = PlacementPolicySpec.from(resource("examples/placementpolicy.yaml"));
    assertThat(policy.settings()).containsEntry("idleTtlMillis", "1800000")
        .containsEntry("loadingConcurrency", "4");
    assertThat(policy.rules()).hasSize(2);
  }

  static GenericKubernetesResource resource(String path) {
    try {
      return SERIALIZATION.unmarshal(Files.readString(DEPLOY.resolve(path)),
          GenericKubernetesResource.class);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void helmChartInstallsTheSameAsThePlainManifests() throws IOException {
    for (Path crd : yamlFiles(DEPLOY.resolve("crds"))) {
      assertThat(CHART.resolve("files/crds").resolve(crd.getFileName())).as("chart's CRD copy")
          .hasSameTextualContentAs(crd);
    }
    assertThat(CHART.resolve("crds")).as("CRDs are templates, so upgrades reach them")
        .doesNotExist();
    List<Map<String, Object>> rendered = renderChart(Map.of());
    Set<String> objects = new TreeSet<>();
    rendered.forEach(d -> objects.add(d.get("kind") + "/" + map(d.get("metadata")).get("name")));
    assertThat(objects).contains("Deployment/densemesh-operator", "Role/densemesh-operator",
        "ServiceAccount/densemesh-operator", "StatefulSet/densemesh-etcd",
        "Secret/densemesh-etcd", "ServingRuntime/densemesh-onnx");
    rendered.forEach(d -> {
      Object ns = map(d.get("metadata")).get("namespace");
      if (!d.get("kind").toString().startsWith("Cluster")
          && !d.get("kind").equals("CustomResourceDefinition")) {
        assertThat(ns).as(gvk(d)).isEqualTo("serving");
      }
    });
    Object chartRules = rendered.stream().filter(d -> d.get("kind").equals("Role")).findFirst()
        .orElseThrow().get("rules");
    Object plainRules = documents(DEPLOY.resolve("operator/rbac.yaml")).stream()
        .filter(d -> d.get("kind").equals("Role")).findFirst().orElseThrow().get("rules");
    assertThat(chartRules).as("same least-privilege rules").isEqualTo(plainRules);

    Map<String, Object> external = Map.of(
        "etcd", Map.of("enabled", false, "endpoints", "http://etcd.infra:2379"),
        "placementPolicy", Map.of("enabled", true));
    List<Map<String, Object>> withExternalEtcd = renderChart(external);
    assertThat(withExternalEtcd).noneMatch(d -> d.get("kind").equals("StatefulSet"));
    assertThat(withExternalEtcd.stream().filter(d -> d.get("kind").equals("Secret"))
        .findFirst().orElseThrow().get("stringData")).isEqualTo(Map.of(
            "endpoints", "http://etcd.infra:2379", "prefix", "/densemesh/serving/densemesh/"));
    assertThat(withExternalEtcd).anyMatch(d -> d.get("kind").equals("PlacementPolicy"));
    assertThat(documents(CHART.resolve("Chart.yaml")).get(0)).containsEntry("name", "densemesh");
  }

  @Test
  void dashboardUsesOnlyDocumentedMetricsOverTheRateInterval() throws IOException {
    String dashboard = Files.readString(DEPLOY.resolve("grafana/densemesh-dashboard.json"));
    Map<String, Object> json = SERIALIZATION.unmarshal(dashboard, Map.class);
    assertThat((List<?>) json.get("panels")).hasSizeGreaterThanOrEqualTo(6);
    String documented = Files.readString(ROOT.resolve("docs/metrics.md"));
    Set<String> used = DashboardMetrics.names(dashboard);
    assertThat(used).contains("densemesh_request_seconds", "densemesh_cache_hits_total",
        "densemesh_used_bytes", "densemesh_inference_seconds",
        "grpc_server_processing_duration_seconds", "jvm_memory_used_bytes");
    for (String metric : used) {
      assertThat(documented).as(metric + " documented in docs/metrics.md").contains(metric);
    }
    assertThat(dashboard).as("no fixed rate windows").doesNotContainPattern("\\[[0-9]+[smh]\\]")
        .contains("[$__rate_interval]");
  }

  @Test
  void monitoringObjectsScrapeTheNodesMetricsPort() throws IOException {
    assertThat(renderChart(Map.of())).as("off by default")
        .noneMatch(d -> d.get("apiVersion").toString().startsWith("monitoring.coreos.com"));
    Map<String, Object> values = Map.of("monitoring", Map.of(
        "serviceMonitor", Map.of("enabled", true), "podMonitor", Map.of("enabled", true)));
    List<Map<String, Object>> monitors = renderChart(values).stream()
        .filter(d -> d.get("apiVersion").equals("monitoring.coreos.com/v1")).toList();
    assertThat(monitors).extracting(d -> d.get("kind"))
        .containsExactlyInAnyOrder("ServiceMonitor", "PodMonitor");
    Map<String, String> nodeLabels = Map.of("app.kubernetes.io/name", "densemesh",
        "app.kubernetes.io/component", "node"); // as RuntimeWorkload labels nodes and Services
    for (Map<String, Object> monitor : monitors) {
      Map<String, Object> spec = map(monitor.get("spec"));
      assertThat(map(spec.get("selector")).get("matchLabels")).isEqualTo(nodeLabels);
      List<?> endpoints = (List<?>) spec.getOrDefault("endpoints",
          spec.get("podMetricsEndpoints"));
      assertThat(map(endpoints.get(0))).containsEntry("port", "metrics")
          .containsEntry("path", "/metrics").containsEntry("interval", "15s");
      assertThat(map(monitor.get("metadata"))).containsEntry("namespace", "serving");
    }
  }

  /** Metric names in a dashboard's queries, histogram suffixes removed. */
  static final class DashboardMetrics {
    static Set<String> names(String dashboard) {
      Set<String> names = new TreeSet<>();
      Matcher m = Pattern.compile("(densemesh|grpc_server|jvm|process)_[a-z_]+")
          .matcher(dashboard);
      while (m.find()) {
        names.add(m.group().replaceAll("_(bucket|count|sum)$", ""));
      }
      return names;
    }
  }
}
