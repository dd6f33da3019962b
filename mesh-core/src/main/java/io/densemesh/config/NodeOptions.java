package io.densemesh.config;

import io.densemesh.auth.JwtRules;
import io.densemesh.cli.support.ByteSizeConverter;
import io.densemesh.cli.support.CommandLines;
import io.densemesh.cli.support.DurationConverter;
import io.densemesh.cli.support.EnvironmentDefaults;
import io.densemesh.cli.support.EnvironmentPrefix;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Visibility;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The node's flags ({@code densemesh serve}), each also a {@code DM_<NAME>} variable; a flag wins.
 * This class only reads text into typed fields (with the shared unit syntax); {@link #toConfig}
 * hands them to {@link NodeConfig} and its settings records, which are the one place values are
 * validated. A new node flag is an {@code @Option} here, a record component and a row of
 * docs/configuration.md.
 */
@Command(name = "serve")
public class NodeOptions implements EnvironmentPrefix {

  /** Default client gRPC port. */
  public static final int GRPC_PORT = 8033;
  /** Default REST port. */
  public static final int REST_PORT = 8008;
  /** Default Prometheus port. */
  public static final int METRICS_PORT = 2112;
  /** Default node-to-node port. */
  public static final int INTERNAL_PORT = 8080;

  @Spec
  CommandSpec spec;

  // Listening
  @Option(names = "--host", defaultValue = "0.0.0.0", paramLabel = "ADDR",
      description = "Address all servers bind to; without authentication 127.0.0.1 unless"
          + " --insecure.")
  String host;
  @Option(names = "--grpc-port", defaultValue = "" + GRPC_PORT, paramLabel = "PORT",
      description = "KServe V2 + ModelMesh gRPC port (0: any free port).")
  int grpcPort;
  @Option(names = "--rest-port", defaultValue = "" + REST_PORT, paramLabel = "PORT",
      description = "KServe V2 REST port.")
  int restPort;
  @Option(names = "--metrics-port", defaultValue = "" + METRICS_PORT, paramLabel = "PORT",
      description = "Prometheus /metrics port.")
  int metricsPort;
  @Option(names = "--internal-port", defaultValue = "" + INTERNAL_PORT, paramLabel = "PORT",
      description = "Node-to-node gRPC port (forwarding, peer control); never expose it to"
          + " clients.")
  int internalPort;

  // Models and memory
  @Option(names = "--capacity", defaultValue = "1g", paramLabel = "SIZE",
      converter = ByteSizeConverter.class,
      description = "Memory budget for resident models; at least 1m.")
  long capacity;
  @Option(names = "--data-dir", defaultValue = ".dm-data", paramLabel = "DIR",
      description = "Where the embedded registry journals registrations.")
  Path dataDir;
  @Option(names = "--instance-id", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "ID",
      description = "This node's id in the mesh (default: generated).")
  String instanceId;
  @Option(names = "--load-timeout", defaultValue = "60s", paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "Longest a request waits for its model to load.")
  Duration loadTimeout;
  @Option(names = "--loading-slots", defaultValue = "2", paramLabel = "N",
      description = "Loads that run at once (1..256).")
  int loadingSlots;
  @Option(names = "--intra-op-threads", defaultValue = "1", paramLabel = "N",
      description = "Threads one ONNX inference may use (1..256).")
  int intraOpThreads;
  @Option(names = "--max-message-size", defaultValue = "64m", paramLabel = "SIZE",
      converter = ByteSizeConverter.class,
      description = "Largest gRPC message / REST body accepted.")
  long maxMessageSize;
  @Option(names = "--max-tensor-elements", defaultValue = "67108864", paramLabel = "N",
      description = "Largest element count one input tensor may describe.")
  long maxTensorElements;
  @Option(names = "--eviction", defaultValue = "lru", paramLabel = "POLICY",
      description = "Eviction policy: lru or cost-aware.")
  String eviction;
  @Option(names = "--failure-backoff", defaultValue = "30s", paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "How long a failed load is answered from its record before a retry.")
  Duration failureBackoff;

  // Mesh (etcd)
  @Option(names = "--etcd", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "URLS",
      description = "etcd client URLs, comma-separated: join the mesh registered there"
          + " (default: embedded registry).")
  String etcd;
  @Option(names = "--etcd-prefix", defaultValue = "/densemesh/default/", paramLabel = "PREFIX",
      description = "Root of this mesh's keys in etcd.")
  String etcdPrefix;
  @Option(names = "--lease-ttl", defaultValue = "10s", paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "How long a dead node's records outlive it (2s..1h).")
  Duration leaseTtl;
  @Option(names = "--etcd-timeout", defaultValue = "5s", paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "Longest one etcd call may take.")
  Duration etcdTimeout;
  @Option(names = "--etcd-ca", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "FILE",
      description = "PEM CA bundle etcd's certificate must chain to (https:// endpoints).")
  String etcdCa;
  @Option(names = "--etcd-cert", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "FILE",
      description = "Client certificate chain presented to etcd.")
  String etcdCert;
  @Option(names = "--etcd-key", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "FILE",
      description = "PKCS#8 key of --etcd-cert.")
  String etcdKey;
  @Option(names = "--etcd-user", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "USER",
      description = "etcd user (etcd auth).")
  String etcdUser;
  @Option(names = "--etcd-password", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "PASSWORD",
      description = "The etcd user's password; prefer DM_ETCD_PASSWORD or --etcd-password-file.")
  String etcdPassword;
  @Option(names = "--etcd-password-file", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "FILE",
      description = "File holding the etcd password.")
  String etcdPasswordFile;
  @Option(names = "--etcd-connection", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "FILE",
      description = "ModelMesh's etcd_connection JSON file; explicit options win.")
  String etcdConnection;
  @Option(names = "--etcd-secret-dir", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "DIR",
      description = "A mounted etcd Secret (endpoints, prefix, ca.crt, tls.crt, tls.key,"
          + " username, password, etcd_connection).")
  String etcdSecretDir;
  @Option(names = "--model-record-cache", defaultValue = "32MiB", paramLabel = "SIZE",
      converter = ByteSizeConverter.class,
      description = "With etcd: heap bound for the model records a node keeps (at least 64KiB).")
  long modelRecordCache;
  @Option(names = "--advertise-host", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "HOST",
      description = "Host peers use to reach the internal port (default: the bind host, or this"
          + " host's address).")
  String advertiseHost;
  @Option(names = "--zone", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "ZONE",
      description = "Failure zone, published in the instance record.")
  String zone;
  @Option(names = "--labels", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "K=V,...",
      description = "Placement labels, name=value or name (= true), comma-separated.")
  String labels;
  @Option(names = "--drain-timeout", defaultValue = "30s", paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "On SIGTERM, how long the node keeps serving while its models get a copy"
          + " elsewhere.")
  Duration drainTimeout;

  // Storage
  @Option(names = "--storage-config", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "PATH",
      description = "The storage-config secret as mounted (directory) or one JSON file.")
  String storageConfig;
  @Option(names = "--pvc-root", defaultValue = "/pvc_mounts", paramLabel = "DIR",
      description = "Where PVCs are mounted (pvc://claim/path).")
  Path pvcRoot;
  @Option(names = "--model-roots", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "DIR,...",
      description = "Directories local model paths must lie under (default: <data-dir>/models"
          + " and --pvc-root).")
  String modelRoots;
  @Option(names = "--storage-allow-hosts", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "HOST,...",
      description = "Hosts http(s) model sources may name: host, *.domain, IP, CIDR or *.")
  String storageAllowHosts;
  @Option(names = "--artifact-cache-dir", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "DIR",
      description = "Disk cache of downloaded artifacts (default: <data-dir>/artifacts).")
  String artifactCacheDir;
  @Option(names = "--artifact-cache-size", defaultValue = "10g", paramLabel = "SIZE",
      converter = ByteSizeConverter.class, description = "Bound of that cache.")
  long artifactCacheSize;
  @Option(names = "--max-artifact-size", defaultValue = "4g", paramLabel = "SIZE",
      converter = ByteSizeConverter.class,
      description = "Largest artifact one download may bring.")
  long maxArtifactSize;
  @Option(names = "--download-timeout", defaultValue = "10m", paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "Longest one artifact download may take.")
  Duration downloadTimeout;
  @Option(names = "--remote-runtime", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "[TYPES=]ADDR[;data=ADDR]",
      description = "A runtime process over the ModelMesh runtime SPI (host:port or"
          + " unix:/path).")
  String remoteRuntime;
  @Option(names = "--remote-runtime-ca", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "FILE",
      description = "PEM CA bundle the remote runtime's certificate must chain to: its TCP link"
          + " uses TLS (required beyond loopback).")
  String remoteRuntimeCa;
  @Option(names = "--remote-runtime-cert", defaultValue = "",
      showDefaultValue = Visibility.NEVER, paramLabel = "FILE",
      description = "Client certificate chain presented to the remote runtime (mutual TLS).")
  String remoteRuntimeCert;
  @Option(names = "--remote-runtime-key", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "FILE",
      description = "PKCS#8 key of --remote-runtime-cert.")
  String remoteRuntimeKey;
  @Option(names = "--remote-runtime-authority", defaultValue = "",
      showDefaultValue = Visibility.NEVER, paramLabel = "NAME",
      description = "Name the runtime's certificate must carry (default: the address's host).")
  String remoteRuntimeAuthority;
  @Option(names = "--remote-runtime-allow-plaintext", defaultValue = "false", arity = "0..1",
      fallbackValue = "true", paramLabel = "BOOL",
      description = "Reach a non-loopback remote runtime without TLS (trusted networks only).")
  String remoteRuntimeAllowPlaintext;

  // TLS
  @Option(names = "--tls-cert", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "FILE",
      description = "PEM certificate chain: the gRPC port serves TLS, peer links use TLS.")
  String tlsCert;
  @Option(names = "--tls-key", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "FILE",
      description = "PKCS#8 key of --tls-cert.")
  String tlsKey;
  @Option(names = "--tls-client-ca", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "FILE",
      description = "Clients must present a certificate chaining to this CA (mutual TLS).")
  String tlsClientCa;
  @Option(names = "--tls-mesh-ca", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "FILE",
      description = "CA mesh members' certificates chain to (default: --tls-client-ca).")
  String tlsMeshCa;
  @Option(names = "--tls-reload", defaultValue = "30s", paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "How often the TLS files are checked for changes.")
  Duration tlsReload;

  // Device
  @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEVICE",
      description = "Where ONNX models run: cpu, cuda or cuda:N (CUDA needs the -Pgpu build).")
  String device;
  @Option(names = "--gpu-capacity", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "SIZE",
      description = "GPU memory budget (default: the device's total memory).")
  String gpuCapacity;

  // Authentication
  @Option(names = "--jwks-file", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "FILE",
      description = "JWKS the accepted JWTs are signed with; turns authentication on.")
  String jwksFile;
  @Option(names = "--api-keys-file", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "FILE",
      description = "Static API keys (sha256, tenant, role); turns authentication on.")
  String apiKeysFile;
  @Option(names = "--jwt-issuer", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "ISS",
      description = "The exact iss an accepted JWT carries.")
  String jwtIssuer;
  @Option(names = "--jwt-audience", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "AUD",
      description = "A value an accepted JWT's aud contains.")
  String jwtAudience;
  @Option(names = "--jwt-clock-skew", defaultValue = "30s", paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "How far exp/nbf may be off this node's clock (0..10m).")
  Duration jwtClockSkew;
  @Option(names = "--jwt-tenant-claim", defaultValue = "tenant", paramLabel = "CLAIM",
      description = "Claim holding the caller's tenant.")
  String jwtTenantClaim;
  @Option(names = "--jwt-role-claim", defaultValue = "role", paramLabel = "CLAIM",
      description = "Claim holding the caller's role.")
  String jwtRoleClaim;
  @Option(names = "--mesh-secret-file", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "FILE",
      description = "Secret peers present on the internal port (same on every node).")
  String meshSecretFile;
  @Option(names = "--insecure", defaultValue = "false", arity = "0..1", fallbackValue = "true",
      paramLabel = "BOOL",
      description = "Without authentication, listen on --host anyway.")
  String insecure;

  // Observability
  @Option(names = "--metrics-per-model", defaultValue = "false", arity = "0..1",
      fallbackValue = "true", paramLabel = "BOOL",
      description = "Add a model label to the inference metrics (capped by"
          + " --metrics-max-series).")
  String metricsPerModel;
  @Option(names = "--metrics-max-series", defaultValue = "500", paramLabel = "N",
      description = "Distinct tenants, and models, given their own series (1..100000).")
  int metricsMaxSeries;
  @Option(names = "--log-level", defaultValue = "info", paramLabel = "LEVEL",
      description = "trace, debug, info, warn or error.")
  String logLevel;
  @Option(names = "--log-format", defaultValue = "text", paramLabel = "FORMAT",
      description = "text or json (one JSON object per line).")
  String logFormat;
  @Option(names = "--otlp-endpoint", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "URL",
      description = "Export spans over OTLP/gRPC to this URL (default: tracing off).")
  String otlpEndpoint;
  @Option(names = "--trace-sampling", defaultValue = "1.0", paramLabel = "RATIO",
      description = "Share of new traces recorded, 0..1.")
  double traceSampling;

  // REST server limits
  @Option(names = "--rest-header-timeout", defaultValue = "10s", paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "How long a REST connection may stay silent outside a request (request"
          + " line, headers, keep-alive) before it is closed; at least 1ms.")
  Duration restHeaderTimeout;
  @Option(names = "--rest-body-timeout", defaultValue = "30s", paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "How long a request body may send nothing before 408 (and a generate_stream"
          + " client may take nothing before its stream is cut); at least 1ms.")
  Duration restBodyTimeout;
  @Option(names = "--rest-threads", defaultValue = "0", paramLabel = "N",
      description = "Threads that run REST requests; 0: max(8, 4 x cores).")
  int restThreads;
  @Option(names = "--rest-queue", defaultValue = "256", paramLabel = "N",
      description = "REST requests admitted beyond busy threads; past it 429 (0..1000000).")
  int restQueue;
  @Option(names = "--rest-body-buffer", defaultValue = "0", paramLabel = "SIZE",
      converter = ByteSizeConverter.class,
      description = "Bytes all REST bodies being read may hold together; past it 429. 0: a"
          + " quarter of the heap.")
  long restBodyBuffer;

  // Admission (text, so an empty value means "derived from the cores"; see AdmissionSettings)
  @Option(names = "--max-in-flight", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "N",
      description = "Requests served or waited on at once; beyond it RESOURCE_EXHAUSTED / 429"
          + " (default: 64 x cores).")
  String maxInFlight;
  @Option(names = "--max-waiting-per-model", defaultValue = "",
      showDefaultValue = Visibility.NEVER, paramLabel = "N",
      description = "Requests that may wait for one model's load (default: a quarter of"
          + " --max-in-flight).")
  String maxWaitingPerModel;
  @Option(names = "--max-queued-loads", defaultValue = "1024", paramLabel = "N",
      description = "Loads that may wait for a loading slot; beyond it a new load is refused.")
  String maxQueuedLoads;
  @Option(names = "--grpc-threads", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "N",
      description = "Threads that run gRPC calls on each of the client and internal ports"
          + " (default: 4 x cores).")
  String grpcThreads;
  @Option(names = "--grpc-queue", defaultValue = "16384", paramLabel = "N",
      description = "gRPC tasks that may wait for a worker thread on each port.")
  String grpcQueue;
  @Option(names = "--retry-budget", defaultValue = "10", paramLabel = "PERCENT",
      description = "Forward retries allowed as a share of forwards (0..100, e.g. 20 or 20%).")
  String retryBudget;
  @Option(names = "--min-retries-per-second", defaultValue = "5", paramLabel = "N",
      description = "Retries always allowed, whatever the share.")
  String minRetriesPerSecond;

  // Dynamic batching
  @Option(names = "--batch-max-size", defaultValue = "0", paramLabel = "N",
      description = "Default dynamic batching of models that name none: rows per run, 0 (off)"
          + " or 2..4096.")
  int batchMaxSize;
  @Option(names = "--batch-max-delay", defaultValue = "500us", paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "Longest a request waits for its batch to fill (0..1s).")
  Duration batchMaxDelay;

  @Override
  public String environmentPrefix() {
    return "DM_";
  }

  /**
   * Parses node flags outside a command line (tests, benchmarks, the quickstart).
   *
   * @param args flags, {@code --name value} or {@code --name=value}
   * @param env the environment ({@code DM_*} variables); tests pass a map
   * @throws ConfigException with a one-line message
   */
  public static NodeConfig parse(List<String> args, Map<String, String> env) {
    NodeOptions options = new NodeOptions();
    try {
      CommandLines.parse(options, env, args.toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      throw new ConfigException(e.getMessage());
    }
    return options.toConfig();
  }

  /** The option names, without dashes, in the order --help lists them. */
  public static List<String> names() {
    return new CommandLine(new NodeOptions()).getCommandSpec().options().stream()
        .filter(o -> !o.usageHelp() && !o.versionHelp())
        .map(o -> o.longestName().substring(2)).toList();
  }

  /** The validated configuration. @throws ConfigException naming the offending option */
  public NodeConfig toConfig() {
    EtcdOptions.Resolved resolvedEtcd = EtcdOptions.resolve(etcdValues(), explicit());
    String id = instanceId.isBlank() ? "node-" + UUID.randomUUID().toString().substring(0, 8)
        : instanceId;
    return new NodeConfig(host, grpcPort, restPort, metricsPort, capacity, dataDir, id,
        loadTimeout, loadingSlots, intraOpThreads,
        Math.toIntExact(Math.min(Integer.MAX_VALUE, maxMessageSize)), maxTensorElements,
        eviction.toLowerCase(Locale.ROOT), failureBackoff,
        new MeshConfig(resolvedEtcd.endpoints(), resolvedEtcd.prefix(), leaseTtl, etcdTimeout,
            advertiseHost, zone, labels(labels), drainTimeout, modelRecordCache,
            resolvedEtcd.access()),
        storage(),
        remoteRuntime.isBlank() ? Optional.empty()
            : Optional.of(RemoteRuntimeOption.parse(remoteRuntime)),
        new RemoteRuntimeTls(optionalPath(remoteRuntimeCa), optionalPath(remoteRuntimeCert),
            optionalPath(remoteRuntimeKey),
            remoteRuntimeAuthority.isBlank() ? Optional.empty()
                : Optional.of(remoteRuntimeAuthority.trim()),
            bool("--remote-runtime-allow-plaintext", remoteRuntimeAllowPlaintext)),
        DeviceSettings.parse(device, gpuCapacity), internalPort,
        new AuthSettings(optionalPath(jwksFile), optionalPath(apiKeysFile),
            new JwtRules(jwtIssuer.trim(), jwtAudience.trim(), jwtClockSkew,
                jwtTenantClaim.trim(), jwtRoleClaim.trim()),
            bool("--insecure", insecure), optionalPath(meshSecretFile)),
        new TlsSettings(optionalPath(tlsCert), optionalPath(tlsKey), optionalPath(tlsClientCa),
            optionalPath(tlsMeshCa), tlsReload),
        new ObservabilitySettings(bool("--metrics-per-model", metricsPerModel),
            metricsMaxSeries, logLevel.trim().toLowerCase(Locale.ROOT),
            logFormat.trim().toLowerCase(Locale.ROOT), otlpEndpoint.trim(), traceSampling),
        new BatchingSettings(batchMaxSize, batchMaxDelay),
        new RestSettings(restHeaderTimeout, restBodyTimeout, restThreads, restQueue,
            restBodyBuffer),
        AdmissionSettings.parse(admissionValues(), Runtime.getRuntime().availableProcessors()));
  }

  private Map<String, String> etcdValues() {
    Map<String, String> values = new LinkedHashMap<>();
    values.put("etcd", etcd);
    values.put("etcd-prefix", etcdPrefix);
    values.put("etcd-ca", etcdCa);
    values.put("etcd-cert", etcdCert);
    values.put("etcd-key", etcdKey);
    values.put("etcd-user", etcdUser);
    values.put("etcd-password", etcdPassword);
    values.put("etcd-password-file", etcdPasswordFile);
    values.put("etcd-connection", etcdConnection);
    values.put("etcd-secret-dir", etcdSecretDir);
    return values;
  }

  private Map<String, String> admissionValues() {
    Map<String, String> values = new LinkedHashMap<>();
    values.put("max-in-flight", maxInFlight);
    values.put("max-waiting-per-model", maxWaitingPerModel);
    values.put("max-queued-loads", maxQueuedLoads);
    values.put("grpc-threads", grpcThreads);
    values.put("grpc-queue", grpcQueue);
    values.put("retry-budget", retryBudget);
    values.put("min-retries-per-second", minRetriesPerSecond);
    return values;
  }

  /** Options given by a flag or a variable: they beat a mounted Secret and ModelMesh's JSON. */
  private Set<String> explicit() {
    Set<String> given = new HashSet<>();
    CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
    for (OptionSpec option : spec.options()) {
      boolean fromEnv = spec.defaultValueProvider() instanceof EnvironmentDefaults env
          && env.provides(option);
      if (fromEnv || (parsed != null && parsed.hasMatchedOption(option))) {
        given.add(option.longestName().substring(2));
      }
    }
    return given;
  }

  private StorageSettings storage() {
    String cacheDir = artifactCacheDir.trim();
    List<String> roots = list(modelRoots);
    return new StorageSettings(
        optionalPath(storageConfig),
        pvcRoot,
        cacheDir.isEmpty() ? dataDir.resolve("artifacts") : Path.of(cacheDir),
        artifactCacheSize, maxArtifactSize, downloadTimeout,
        roots.isEmpty() ? List.of(dataDir.resolve("models"), pvcRoot)
            : roots.stream().map(Path::of).toList(),
        list(storageAllowHosts));
  }

  private static Optional<Path> optionalPath(String text) {
    return text.isBlank() ? Optional.empty() : Optional.of(Path.of(text.trim()));
  }

  private static boolean bool(String option, String text) {
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "1" -> true;
      case "false", "no", "0" -> false;
      default -> throw new ConfigException(option + ": '" + text + "' is not true or false");
    };
  }

  private static List<String> list(String text) {
    List<String> items = new ArrayList<>();
    for (String item : text.split(",")) {
      if (!item.isBlank()) {
        items.add(item.trim());
      }
    }
    return items;
  }

  /** {@code a=b,c} becomes {a: b, c: true}. */
  private static Map<String, String> labels(String text) {
    Map<String, String> labels = new LinkedHashMap<>();
    for (String item : list(text)) {
      int eq = item.indexOf('=');
      String key = eq < 0 ? item : item.substring(0, eq).trim();
      if (key.isEmpty()) {
        throw new ConfigException("--labels: '" + item + "' has no name (use name=value or name)");
      }
      labels.put(key, eq < 0 ? "true" : item.substring(eq + 1).trim());
    }
    return labels;
  }
}
