package io.densemesh.operator.runtime;

import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeProjectionBuilder;

/**
 * What the operator's pods run with: the node and adapter containers as the Kubernetes
 * "restricted" profile asks (non-root, read-only root file system, no privilege escalation,
 * every capability dropped, the runtime's default seccomp profile), the pod with the default
 * seccomp profile, and the etcd connection mounted from Secrets rather than passed in variables.
 */
final class PodHardening {

  private PodHardening() {}

  /** For the node and adapter containers; the node writes only to its volumes and /tmp. */
  static SecurityContext restricted() {
    return new SecurityContextBuilder()
        .withRunAsNonRoot(true)
        .withReadOnlyRootFilesystem(true)
        .withAllowPrivilegeEscalation(false)
        .withNewCapabilities().withDrop("ALL").endCapabilities()
        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
        .build();
  }

  /** Pod-wide: the default seccomp profile (model server containers keep their own users). */
  static PodSecurityContext podDefaults() {
    return new PodSecurityContextBuilder()
        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
        .build();
  }

  /**
   * The etcd Secret (required) and the etcd client-certificate Secret (optional) projected
   * into one read-only directory: the node's {@code --etcd-secret-dir}.
   */
  static Volume etcdConnection(String name, WorkloadSettings settings) {
    return new VolumeBuilder().withName(name).withNewProjected()
        .withDefaultMode(0444)
        .withSources(
            new VolumeProjectionBuilder().withNewSecret().withName(settings.etcdSecret())
                .endSecret().build(),
            new VolumeProjectionBuilder().withNewSecret().withName(settings.etcdTlsSecret())
                .withOptional(true).endSecret().build())
        .endProjected().build();
  }
}
