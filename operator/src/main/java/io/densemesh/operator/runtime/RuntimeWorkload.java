package io.densemesh.operator.runtime;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The desired node Deployment and Service of one multi-model runtime: a pure function of the
 * runtime, its owner object and the operator's settings.
 *
 * <p>Pods run the DenseMesh node (container {@value #NODE_CONTAINER}) with the KServe ports
 * (gRPC 8033, REST 8008, metrics 2112; node-to-node 8080 on the pod IP only), the etcd connection from a Secret, and the runtime's
 * model formats as placement labels ({@code DM_LABELS=format:onnx,...}). A runtime container
 * named {@value #NODE_CONTAINER} tunes the node container (image, resources, env, args, mounts);
 * the runtime's other containers run beside it unchanged (remote model servers). The Deployment
 * carries a hash of its desired content in {@value #SPEC_HASH}, so the controller replaces it only
 * when the desired state changed, whatever the API server defaulted.
 */
public final class RuntimeWorkload {

  public static final String NODE_CONTAINER = "densemesh";
  public static final int GRPC_PORT = 8033;
  public static final int REST_PORT = 8008;
  public static final int METRICS_PORT = 2112;
  /** Node-to-node port (forwarding, peer control): reached by pod IP, never via the Service. */
  public static final int INTERNAL_PORT = 8080;
  public static final String SPEC_HASH = "densemesh.io/spec-hash";
  public static final String RUNTIME_LABEL = "densemesh.io/runtime";
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String MANAGER = "densemesh-operator";
  static final String DATA_VOLUME = "densemesh-data";
  static final String DATA_DIR = "/data";
  static final String STORAGE_VOLUME = "storage-config";
  static final String STORAGE_DIR = "/etc/densemesh/storage-config";
  static final String MODELS_VOLUME = "models-dir";
  static final String MODELS_DIR = "/models";
  static final String ETCD_VOLUME = "etcd-connection";
  static final String ETCD_DIR = "/etc/densemesh/etcd";
  static final String TLS_VOLUME = "node-tls";
  static final String TLS_DIR = "/etc/densemesh/tls";
  static final String TMP_VOLUME = "tmp";
  static final String CREDENTIALS_VOLUME = "node-credentials";

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private RuntimeWorkload() {}

  /** Desired objects; both carry a controller owner reference to the runtime. */
  public record Objects(Deployment deployment, Service service) {}

  /** {@code densemesh-<runtime>}: the Deployment's and Service's name. */
  public static String objectName(String runtimeName) {
    return "densemesh-" + runtimeName;
  }

  /** In-cluster gRPC address of a runtime's Service, e.g. for status URLs. */
  public static String grpcUrl(String runtimeName, String namespace) {
    return "grpc://" + objectName(runtimeName) + "." + namespace + ":" + GRPC_PORT;
  }

  public static String restUrl(String runtimeName, String namespace) {
    return "http://" + objectName(runtimeName) + "." + namespace + ":" + REST_PORT;
  }

  /**
   * @param runtime a runtime with {@link RuntimeSpec#servedByMesh()}
   * @param owner the ServingRuntime/ClusterServingRuntime object (for the owner reference)
   */
  public static Objects desired(RuntimeSpec runtime, HasMetadata owner,
      WorkloadSettings settings) {
    String name = objectName(runtime.name());
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("app.kubernetes.io/name", "densemesh");
    labels.put("app.kubernetes.io/component", "node");
    labels.put(MANAGED_BY, MANAGER);
    labels.put(RUNTIME_LABEL, runtime.name());
    Map<String, String> selector = Map.of(RUNTIME_LABEL, runtime.name());
    Map<String, String> podLabels = new LinkedHashMap<>(runtime.pod().labels());
    podLabels.putAll(labels);
    Map<String, String> podAnnotations = new LinkedHashMap<>(runtime.pod().annotations());
    podAnnotations.put("prometheus.io/scrape", "true");
    podAnnotations.put("prometheus.io/port", String.valueOf(METRICS_PORT));

    List<Container> containers = new ArrayList<>();
    Map<String, Object> nodeOverrides = Map.of();
    for (Map<String, Object> c : runtime.containers()) {
      if (NODE_CONTAINER.equals(c.get("name"))) {
        nodeOverrides = c;
      } else {
        containers.add(SERIALIZATION.convertValue(c, Container.class));
      }
    }
    if (runtime.adapter().isPresent()) {
      // The adapter and the model server read the artifacts the node staged (its data volume)
      // and share a model repository directory.
      List<Container> shared = new ArrayList<>();
      for (Container c : containers) {
        shared.add(withSharedDirs(c));
      }
      containers.clear();
      containers.addAll(shared);
      Map<String, String> annotations = owner.getMetadata().getAnnotations() == null ? Map.of()
          : owner.getMetadata().getAnnotations();
      containers.add(withSharedDirs(adapterContainer(runtime, runtime.adapter().get(),
          annotations, settings)));
    }
    containers.add(0, nodeContainer(runtime, settings, nodeOverrides));

    List<Volume> volumes = new ArrayList<>();
    volumes.add(new VolumeBuilder().withName(DATA_VOLUME).withNewEmptyDir().endEmptyDir()
        .build());
    if (runtime.adapter().isPresent()) {
      volumes.add(new VolumeBuilder().withName(MODELS_VOLUME).withNewEmptyDir().endEmptyDir()
          .build());
    }
    volumes.add(new VolumeBuilder().withName(TMP_VOLUME).withNewEmptyDir().endEmptyDir().build());
    volumes.add(PodHardening.etcdConnection(ETCD_VOLUME, settings));
    if (!settings.nodeTlsSecret().isEmpty()) {
      volumes.add(new VolumeBuilder().withName(TLS_VOLUME).withNewSecret()
          .withSecretName(settings.nodeTlsSecret()).endSecret().build());
    }
    if (!settings.insecureNodes()) {
      // Required: a node without its credentials must not start (it would refuse every client).
      // 0444 like the etcd Secret: the node's user is the image's, unknown here.
      volumes.add(new VolumeBuilder().withName(CREDENTIALS_VOLUME).withNewSecret()
          .withSecretName(settings.nodeCredentialsSecret()).withDefaultMode(0444).endSecret()
          .build());
    }
    // Optional: without the Secret the directory is empty and only URIs without keys resolve.
    volumes.add(new VolumeBuilder().withName(STORAGE_VOLUME).withNewSecret()
        .withSecretName(settings.storageSecret()).withOptional(true).endSecret().build());
    runtime.pod().volumes().forEach(v -> volumes.add(SERIALIZATION.convertValue(v, Volume.class)));
    List<Toleration> tolerations = runtime.pod().tolerations().stream()
        .map(t -> SERIALIZATION.convertValue(t, Toleration.class)).toList();
    List<LocalObjectReference> pullSecrets = runtime.pod().imagePullSecrets().stream()
        .map(s -> SERIALIZATION.convertValue(s, LocalObjectReference.class)).toList();
    Affinity affinity = runtime.pod().affinity().isEmpty() ? null
        : SERIALIZATION.convertValue(runtime.pod().affinity(), Affinity.class);

    OwnerReference ref = ownerReference(owner);
    Deployment deployment = new DeploymentBuilder()
        .withNewMetadata().withName(name).withNamespace(settings.namespace())
        .withLabels(labels).withOwnerReferences(ref).endMetadata()
        .withNewSpec()
        .withReplicas(runtime.replicas().orElse(settings.defaultReplicas()))
        .withNewSelector().withMatchLabels(selector).endSelector()
        .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
        .withMaxUnavailable(new IntOrString(0)).withMaxSurge(new IntOrString(1))
        .endRollingUpdate().endStrategy()
        .withNewTemplate()
        .withNewMetadata().withLabels(podLabels).withAnnotations(podAnnotations).endMetadata()
        .withNewSpec()
        .withSecurityContext(PodHardening.podDefaults())
        .withContainers(containers)
        .withVolumes(volumes)
        .withNodeSelector(runtime.pod().nodeSelector().isEmpty() ? null
            : runtime.pod().nodeSelector())
        .withTolerations(tolerations.isEmpty() ? null : tolerations)
        .withAffinity(affinity)
        .withImagePullSecrets(pullSecrets.isEmpty() ? null : pullSecrets)
        // The node drains on SIGTERM: keeps serving while hot models move elsewhere.
        .withTerminationGracePeriodSeconds(90L)
        .endSpec().endTemplate().endSpec().build();
    deployment.getMetadata().setAnnotations(Map.of(SPEC_HASH, hash(deployment)));

    Service service = new ServiceBuilder()
        .withNewMetadata().withName(name).withNamespace(settings.namespace())
        .withLabels(labels).withOwnerReferences(ref).endMetadata()
        .withNewSpec().withSelector(selector)
        .addNewPort().withName("grpc").withPort(GRPC_PORT)
        .withTargetPort(new IntOrString("grpc")).endPort()
        .addNewPort().withName("http").withPort(REST_PORT)
        .withTargetPort(new IntOrString("http")).endPort()
        .addNewPort().withName("metrics").withPort(METRICS_PORT)
        .withTargetPort(new IntOrString("metrics")).endPort()
        .endSpec().build();
    service.getMetadata().setAnnotations(Map.of(SPEC_HASH, hash(service)));
    return new Objects(deployment, service);
  }

  /** The placement labels a runtime's nodes advertise: {@code format:<name>} per format. */
  public static String placementLabels(RuntimeSpec runtime) {
    Set<String> labels = new LinkedHashSet<>();
    runtime.formats().forEach(f -> labels.add(f.label()));
    return String.join(",", labels);
  }

  private static Container nodeContainer(RuntimeSpec runtime, WorkloadSettings settings,
      Map<String, Object> overrides) {
    Container tuned = SERIALIZATION.convertValue(overrides, Container.class);
    List<EnvVar> env = new ArrayList<>();
    env.add(literal("DM_GRPC_PORT", GRPC_PORT));
    env.add(literal("DM_REST_PORT", REST_PORT));
    env.add(literal("DM_METRICS_PORT", METRICS_PORT));
    env.add(literal("DM_INTERNAL_PORT", INTERNAL_PORT));
    if (settings.insecureNodes()) {
      // Operator started with --insecure-nodes (development): no authentication, which a node
      // only accepts beyond loopback (the pod IP) when told.
      env.add(literal("DM_INSECURE", "true"));
    } else {
      // Authenticated: clients present an API key (or a JWT, when the Secret has a jwks.json
      // and the runtime sets DM_JWKS_FILE), peers the mesh secret; so the node binds the pod IP.
      env.add(literal("DM_API_KEYS_FILE", NodeCredentials.DIR + "/" + NodeCredentials.API_KEYS));
      env.add(literal("DM_MESH_SECRET_FILE",
          NodeCredentials.DIR + "/" + NodeCredentials.MESH_SECRET));
    }
    env.add(literal("DM_DATA_DIR", DATA_DIR));
    env.add(new EnvVarBuilder().withName("DM_INSTANCE_ID").withNewValueFrom()
        .withNewFieldRef().withFieldPath("metadata.name").endFieldRef().endValueFrom().build());
    // Peers forward requests to the address a node advertises: its pod IP.
    env.add(new EnvVarBuilder().withName("DM_ADVERTISE_HOST").withNewValueFrom()
        .withNewFieldRef().withFieldPath("status.podIP").endFieldRef().endValueFrom().build());
    env.add(literal("DM_LABELS", placementLabels(runtime)));
    // The etcd Secret and the etcd client certificate, projected into one directory.
    env.add(literal("DM_ETCD_SECRET_DIR", ETCD_DIR));
    if (!settings.nodeTlsSecret().isEmpty()) {
      env.add(literal("DM_TLS_CERT", TLS_DIR + "/tls.crt"));
      env.add(literal("DM_TLS_KEY", TLS_DIR + "/tls.key"));
      env.add(literal("DM_TLS_MESH_CA", TLS_DIR + "/ca.crt"));
    }
    // A read-only root file system: native libraries and caches unpack under /tmp.
    env.add(literal("HOME", "/tmp"));
    env.add(literal("DJL_CACHE_DIR", "/tmp/djl"));
    env.add(literal("DM_STORAGE_CONFIG", STORAGE_DIR));
    runtime.adapter().ifPresent(a ->
        env.add(literal("DM_REMOTE_RUNTIME", remoteRuntime(runtime, a))));
    Set<String> owned = new LinkedHashSet<>();
    env.forEach(e -> owned.add(e.getName()));
    if (tuned.getEnv() != null) {
      // The runtime may add settings (e.g. DM_CAPACITY) but not rewire ports or the mesh.
      tuned.getEnv().stream().filter(e -> !owned.contains(e.getName())).forEach(env::add);
    }
    List<VolumeMount> mounts = new ArrayList<>();
    mounts.add(new VolumeMountBuilder().withName(DATA_VOLUME).withMountPath(DATA_DIR).build());
    mounts.add(new VolumeMountBuilder().withName(STORAGE_VOLUME).withMountPath(STORAGE_DIR)
        .withReadOnly(true).build());
    mounts.add(new VolumeMountBuilder().withName(ETCD_VOLUME).withMountPath(ETCD_DIR)
        .withReadOnly(true).build());
    mounts.add(new VolumeMountBuilder().withName(TMP_VOLUME).withMountPath("/tmp").build());
    if (!settings.nodeTlsSecret().isEmpty()) {
      mounts.add(new VolumeMountBuilder().withName(TLS_VOLUME).withMountPath(TLS_DIR)
          .withReadOnly(true).build());
    }
    if (!settings.insecureNodes()) {
      mounts.add(new VolumeMountBuilder().withName(CREDENTIALS_VOLUME)
          .withMountPath(NodeCredentials.DIR).withReadOnly(true).build());
    }
    if (tuned.getVolumeMounts() != null) {
      mounts.addAll(tuned.getVolumeMounts());
    }
    List<ContainerPort> ports = List.of(
        port("grpc", GRPC_PORT), port("http", REST_PORT), port("metrics", METRICS_PORT),
        port("internal", INTERNAL_PORT));
    String image = tuned.getImage() == null || tuned.getImage().isBlank()
        ? settings.nodeImage() : tuned.getImage();
    return new ContainerBuilder()
        .withName(NODE_CONTAINER)
        .withImage(image)
        .withImagePullPolicy(tuned.getImagePullPolicy())
        .withArgs(tuned.getArgs() == null || tuned.getArgs().isEmpty() ? List.of("serve")
            : tuned.getArgs())
        .withEnv(env)
        .withPorts(ports)
        .withResources(tuned.getResources())
        .withVolumeMounts(mounts)
        .withStartupProbe(startupProbe())
        .withReadinessProbe(probe("/v2/health/ready"))
        .withLivenessProbe(probe("/v2/health/live"))
        .withSecurityContext(PodHardening.restricted())
        .build();
  }

  /** How long a node may take to start (a remote runtime can be slow to come up) before the
   * kubelet restarts it: liveness only counts once the startup probe has passed. */
  static final int STARTUP_SECONDS = 600;

  /**
   * The node answers {@code /v2/health/live} once it has started (registry open, runtime
   * connected, servers bound); until then the liveness probe is held off, so a slow remote
   * runtime or registry does not get the pod killed in a restart loop.
   */
  private static Probe startupProbe() {
    int period = 5;
    return new ProbeBuilder().withNewHttpGet().withPath("/v2/health/live")
        .withPort(new IntOrString("http")).endHttpGet().withPeriodSeconds(period)
        .withFailureThreshold(STARTUP_SECONDS / period).build();
  }

  /**
   * The node's {@code --remote-runtime} for a built-in adapter: the runtime's formats go to the
   * adapter's SPI on localhost, inference to the model server's own port. The link stays
   * plaintext: both ends are containers of the same pod, which share one network namespace, so
   * loopback traffic never leaves the pod (the node requires TLS only for non-loopback runtime
   * addresses; see docs/security.md).
   */
  static String remoteRuntime(RuntimeSpec runtime, BuiltInAdapter adapter) {
    Set<String> types = new LinkedHashSet<>();
    runtime.formats().forEach(f -> types.add(f.name().toLowerCase(java.util.Locale.ROOT)));
    return String.join(",", types) + "=127.0.0.1:" + BuiltInAdapter.ADAPTER_PORT
        + ";data=127.0.0.1:" + adapter.runtimeManagementPort();
  }

  /**
   * modelmesh-runtime-adapter beside the model server, configured through the environment
   * variables modelmesh-serving gives it ({@link AdapterEnvironment}).
   */
  private static Container adapterContainer(RuntimeSpec runtime, BuiltInAdapter adapter,
      Map<String, String> annotations, WorkloadSettings settings) {
    return new ContainerBuilder()
        .withName("mm-runtime-adapter")
        .withImage(settings.adapterImage())
        .withCommand("/opt/app/" + adapter.serverType() + "-adapter")
        .withEnv(AdapterEnvironment.of(runtime, adapter, annotations, MODELS_DIR))
        .withVolumeMounts(new VolumeMountBuilder().withName(TMP_VOLUME).withMountPath("/tmp")
            .build())
        .withSecurityContext(PodHardening.restricted())
        .build();
  }

  /** A runtime-side container with the node's data (read-only) and the shared model dir. */
  private static Container withSharedDirs(Container c) {
    List<VolumeMount> mounts = new ArrayList<>(
        c.getVolumeMounts() == null ? List.of() : c.getVolumeMounts());
    if (mounts.stream().noneMatch(m -> DATA_DIR.equals(m.getMountPath()))) {
      mounts.add(new VolumeMountBuilder().withName(DATA_VOLUME).withMountPath(DATA_DIR)
          .withReadOnly(true).build());
    }
    if (mounts.stream().noneMatch(m -> MODELS_DIR.equals(m.getMountPath()))) {
      mounts.add(new VolumeMountBuilder().withName(MODELS_VOLUME).withMountPath(MODELS_DIR)
          .build());
    }
    return new ContainerBuilder(c).withVolumeMounts(mounts).build();
  }

  private static Probe probe(String path) {
    return new ProbeBuilder().withNewHttpGet().withPath(path)
        .withPort(new IntOrString("http")).endHttpGet().withPeriodSeconds(5)
        .withFailureThreshold(3).build();
  }

  private static ContainerPort port(String name, int port) {
    return new ContainerPortBuilder().withName(name).withContainerPort(port)
        .withProtocol("TCP").build();
  }

  private static EnvVar literal(String name, Object value) {
    return new EnvVarBuilder().withName(name).withValue(String.valueOf(value)).build();
  }

  static OwnerReference ownerReference(HasMetadata owner) {
    return new OwnerReferenceBuilder().withApiVersion(owner.getApiVersion())
        .withKind(owner.getKind()).withName(owner.getMetadata().getName())
        .withUid(owner.getMetadata().getUid()).withController(true)
        .withBlockOwnerDeletion(true).build();
  }

  /** A short hash of an object's JSON form (its desired content). */
  static String hash(HasMetadata object) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(SERIALIZATION.asJson(object).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
