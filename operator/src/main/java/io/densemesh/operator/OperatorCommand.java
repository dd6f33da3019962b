package io.densemesh.operator;

import io.densemesh.cli.support.CommandLines;
import io.densemesh.cli.support.DurationConverter;
import io.densemesh.cli.support.EnvironmentPrefix;
import io.densemesh.operator.health.HealthServer;
import io.densemesh.operator.runtime.NodeCredentials;
import io.densemesh.operator.runtime.WorkloadSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Visibility;
import picocli.CommandLine.Option;

/**
 * {@code densemesh operator}: the operator's flags (each also a {@code DM_<NAME>} variable; a flag
 * wins), validated by {@link OperatorConfig}. Connects to the API server the standard way
 * (in-cluster service account, or {@code KUBECONFIG}/{@code ~/.kube/config}) and runs until
 * SIGTERM.
 */
@Command(name = "operator", sortOptions = false,
    description = {"Run the Kubernetes operator: ServingRuntimes, InferenceServices and"
        + " PlacementPolicies in one namespace become node Deployments and registrations."})
public final class OperatorCommand implements Callable<Integer>, EnvironmentPrefix {

  @Option(names = "--namespace", defaultValue = "default", paramLabel = "NS",
      description = "Namespace watched, and where node Deployments go.")
  String namespace;
  @Option(names = "--node-image", defaultValue = "densemesh/node:0.1.0", paramLabel = "IMAGE",
      description = "DenseMesh node image of runtime Deployments.")
  String nodeImage;
  @Option(names = "--default-replicas", defaultValue = "1", paramLabel = "N",
      description = "Node replicas of a runtime without spec.replicas (0..10000).")
  int defaultReplicas;
  @Option(names = "--etcd-secret", defaultValue = "densemesh-etcd", paramLabel = "NAME",
      description = "Secret with the etcd connection (endpoints, optional prefix).")
  String etcdSecret;
  @Option(names = "--storage-secret", defaultValue = "storage-config", paramLabel = "NAME",
      description = "Secret with model storage entries (KServe's storage-config).")
  String storageSecret;
  @Option(names = "--etcd-tls-secret", defaultValue = WorkloadSettings.DEFAULT_ETCD_TLS_SECRET,
      paramLabel = "NAME", description = "Secret with the nodes' etcd client certificate.")
  String etcdTlsSecret;
  @Option(names = "--node-tls-secret", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "NAME",
      description = "Secret with the nodes' serving certificate (empty: plaintext).")
  String nodeTlsSecret;
  @Option(names = "--node-credentials-secret", defaultValue = NodeCredentials.DEFAULT_SECRET,
      paramLabel = "NAME",
      description = "Secret with the nodes' mesh secret and API keys, mounted into node pods;"
          + " created with random values when absent, never changed after.")
  String nodeCredentialsSecret;
  @Option(names = "--insecure-nodes", defaultValue = "false", paramLabel = "BOOL",
      arity = "0..1", fallbackValue = "true",
      description = "Development only: node pods start without authentication (DM_INSECURE).")
  boolean insecureNodes;
  @Option(names = "--allow-privileged-runtimes", defaultValue = "false", paramLabel = "BOOL",
      arity = "0..1", fallbackValue = "true",
      description = "Whether ServingRuntimes may ask for privileges.")
  boolean allowPrivilegedRuntimes;
  @Option(names = "--adapter-image", defaultValue = WorkloadSettings.DEFAULT_ADAPTER_IMAGE,
      paramLabel = "IMAGE",
      description = "modelmesh-runtime-adapter image for runtimes with a builtInAdapter.")
  String adapterImage;
  @Option(names = "--mesh-target", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "HOST:PORT",
      description = "Fixed gRPC target of the mesh (default: the Service of a deployed"
          + " runtime).")
  String meshTarget;
  @Option(names = "--resync-period", defaultValue = "30s", paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "How often every resource is reconciled without an event (at least 1s).")
  Duration resyncPeriod;
  @Option(names = "--status-poll-interval", defaultValue = "2s", paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "How often an InferenceService whose model is not at rest is polled.")
  Duration statusPollInterval;
  @Option(names = "--mesh-deadline", defaultValue = "10s", paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "Deadline of one management call to the mesh.")
  Duration meshDeadline;

  @Option(names = "--health-port", defaultValue = "8081", paramLabel = "PORT",
      description = "Plain-HTTP probe endpoint (/livez, /readyz once the informers watch);"
          + " 0: none.")
  int healthPort;

  @Override
  public String environmentPrefix() {
    return "DM_";
  }

  /**
   * Parses operator flags outside a command line (tests).
   *
   * @throws IllegalArgumentException with a one-line message
   */
  public static OperatorConfig parse(List<String> args, Map<String, String> env) {
    OperatorCommand command = new OperatorCommand();
    try {
      CommandLines.parse(command, env, args.toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    return command.config();
  }

  /** The validated configuration. */
  OperatorConfig config() {
    String target = meshTarget.trim();
    return new OperatorConfig(namespace.trim(), nodeImage.trim(), defaultReplicas,
        etcdSecret.trim(), storageSecret.trim(),
        target.isEmpty() ? Optional.empty() : Optional.of(target), resyncPeriod,
        statusPollInterval, meshDeadline, adapterImage.trim(), etcdTlsSecret.trim(),
        nodeTlsSecret.trim(), allowPrivilegedRuntimes, healthPort,
        nodeCredentialsSecret.trim(), insecureNodes);
  }

  @Override
  public Integer call() throws InterruptedException {
    OperatorConfig config = config();
    KubernetesClient client = new KubernetesClientBuilder().build();
    Operator operator = new Operator(client, config, Operator.defaultMesh(config),
        Clock.systemUTC());
    HealthServer health;
    try {
      health = config.healthPort() == 0 ? null : HealthServer.start(
          new InetSocketAddress(config.healthPort()), operator::watching);
    } catch (UncheckedIOException e) {
      operator.close();
      client.close();
      throw new IllegalStateException(e.getMessage() + ": " + e.getCause(), e);
    }
    try {
      operator.start();
    } catch (RuntimeException e) {
      Throwable cause = e;
      while (cause.getCause() != null) {
        cause = cause.getCause();
      }
      if (health != null) {
        health.close();
      }
      operator.close();
      client.close();
      throw new IllegalStateException("cannot watch namespace " + config.namespace() + " at "
          + client.getMasterUrl() + ": " + cause, e);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if (health != null) {
        health.close();
      }
      operator.close();
      client.close();
      stopped.countDown();
    }, "shutdown"));
    stopped.await();
    return 0;
  }
}
