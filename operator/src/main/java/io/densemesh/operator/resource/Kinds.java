package io.densemesh.operator.resource;

import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

/** API coordinates of the custom resources the operator watches (CRDs in deploy/crds/). */
public final class Kinds {

  public static final String KSERVE_GROUP = "serving.kserve.io";
  public static final String DENSEMESH_GROUP = "densemesh.io";

  public static final ResourceDefinitionContext SERVING_RUNTIME =
      kind(KSERVE_GROUP, "v1alpha1", "ServingRuntime", "servingruntimes", true);
  public static final ResourceDefinitionContext CLUSTER_SERVING_RUNTIME =
      kind(KSERVE_GROUP, "v1alpha1", "ClusterServingRuntime", "clusterservingruntimes", false);
  public static final ResourceDefinitionContext INFERENCE_SERVICE =
      kind(KSERVE_GROUP, "v1beta1", "InferenceService", "inferenceservices", true);
  public static final ResourceDefinitionContext PLACEMENT_POLICY =
      kind(DENSEMESH_GROUP, "v1alpha1", "PlacementPolicy", "placementpolicies", true);

  private Kinds() {}

  private static ResourceDefinitionContext kind(String group, String version, String kind,
      String plural, boolean namespaced) {
    return new ResourceDefinitionContext.Builder().withGroup(group).withVersion(version)
        .withKind(kind).withPlural(plural).withNamespaced(namespaced).build();
  }

  /** {@code group/version} of a kind, as written in {@code apiVersion}. */
  public static String apiVersion(ResourceDefinitionContext kind) {
    return kind.getGroup() + "/" + kind.getVersion();
  }
}
