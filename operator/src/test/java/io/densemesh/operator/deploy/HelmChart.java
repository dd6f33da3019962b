package io.densemesh.operator.deploy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The chart under deploy/helm/densemesh, linted and rendered by real Helm (helm-java, which runs
 * Helm's own Go code as a native library): what {@code helm lint} and {@code helm template} would
 * say, parsed into maps.
 */
final class HelmChart {

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private final Path chart;

  HelmChart(Path chart) {
    this.chart = chart;
  }

  /** {@code helm lint --strict} with the chart's default values. */
  LintResult lint() {
    return new Helm(chart).lint().strict().call();
  }

  /**
   * {@code helm template RELEASE CHART --namespace NAMESPACE -f overrides.yaml}, the output split
   * into its objects.
   *
   * @param overrides values merged over values.yaml (nested maps, as in a values file)
   */
  List<Map<String, Object>> render(String release, String namespace,
      Map<String, Object> overrides) {
    Path valuesFile = null;
    try {
      valuesFile = Files.createTempFile("densemesh-values", ".yaml");
      Files.writeString(valuesFile, SERIALIZATION.asYaml(overrides));
      String manifest = new Helm(chart).template().withName(release).withNamespace(namespace)
          .withValuesFile(valuesFile).call();
      return DeployManifestsTest.documents(manifest);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (valuesFile != null) {
        try {
          Files.deleteIfExists(valuesFile);
        } catch (IOException ignored) {
          // a temporary file left behind
        }
      }
    }
  }

  /** {@code helm template} with the chart's default values. */
  List<Map<String, Object>> render(String release, String namespace) {
    return render(release, namespace, Map.of());
  }
}
