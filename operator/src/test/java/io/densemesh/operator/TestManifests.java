package io.densemesh.operator;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Reads test manifests (YAML) into unstructured resources, as the informers deliver them. */
public final class TestManifests {

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private TestManifests() {}

  /** A classpath resource, e.g. {@code /kserve/triton-2.x.yaml}. */
  public static GenericKubernetesResource resource(String path) {
    try (InputStream in = TestManifests.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalArgumentException("no test resource " + path);
      }
      return SERIALIZATION.unmarshal(in, GenericKubernetesResource.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static GenericKubernetesResource yaml(String text) {
    return SERIALIZATION.unmarshal(text, GenericKubernetesResource.class);
  }
}
