package io.densemesh.config;

import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Builds a {@link NodeConfig} from command-line flags and the environment. Every option is a
 * {@code --name value} (or {@code --name=value}) flag and a {@code DM_NAME} variable; flags win.
 * Unknown flags and malformed values are one-line {@link ConfigException}s.
 */
public final class ConfigParser {

  /** Option name (without dashes) to its default, in the order --help lists them. */
  private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

  static {
    DEFAULTS.put("host", "0.0.0.0");
    DEFAULTS.put("grpc-port", "8033");
    DEFAULTS.put("rest-port", "8008");
    DEFAULTS.put("metrics-port", "2112");
    DEFAULTS.put("capacity", "1g");
    DEFAULTS.put("data-dir", ".dm-data");
    DEFAULTS.put("instance-id", "");
    DEFAULTS.put("load-timeout", "60s");
    DEFAULTS.put("loading-slots", "2");
    DEFAULTS.put("intra-op-threads", "1");
    DEFAULTS.put("max-message-size", "64m");
    DEFAULTS.put("max-tensor-elements", "67108864");
    DEFAULTS.put("eviction", "lru");
    DEFAULTS.put("failure-backoff", "30s");
    DEFAULTS.put("etcd", "");
    DEFAULTS.put("etcd-prefix", "/densemesh/default/");
    DEFAULTS.put("lease-ttl", "10s");
    DEFAULTS.put("etcd-timeout", "5s");
    DEFAULTS.put("etcd-ca", "");
    DEFAULTS.put("etcd-cert", "");
    DEFAULTS.put("etcd-key", "");
    DEFAULTS.put("etcd-user", "");
    DEFAULTS.put("etcd-password", "");
    DEFAULTS.put("etcd-password-file", "");
    DEFAULTS.put("etcd-connection", "");
    DEFAULTS.put("etcd-secret-dir", "");
    DEFAULTS.put("model-record-cache", "32MiB");
    DEFAULTS.put("advertise-host", "");
    DEFAULTS.put("zone", "");
    DEFAULTS.put("labels", "");
    DEFAULTS.put("drain-timeout", "30s");
    DEFAULTS.put("storage-config", "");
    DEFAULTS.put("pvc-root", "/pvc_mounts");
    DEFAULTS.put("model-roots", "");
    DEFAULTS.put("storage-allow-hosts", "");
    DEFAULTS.put("artifact-cache-dir", "");
    DEFAULTS.put("artifact-cache-size", "10g");
    DEFAULTS.put("max-artifact-size", "4g");
    DEFAULTS.put("download-timeout", "10m");
    DEFAULTS.put("remote-runtime", "");
    DEFAULTS.put("tls-cert", "");
    DEFAULTS.put("tls-key", "");
    DEFAULTS.put("tls-client-ca", "");
    DEFAULTS.put("tls-mesh-ca", "");
    DEFAULTS.put("tls-reload", "30s");
    DEFAULTS.put("device", "cpu");
    DEFAULTS.put("gpu-capacity", "");
    DEFAULTS.put("internal-port", "8080");
    DEFAULTS.put("jwks-file", "");
    DEFAULTS.put("api-keys-file", "");
    DEFAULTS.put("jwt-issuer", "");
    DEFAULTS.put("jwt-audience", "");
    DEFAULTS.put("jwt-clock-skew", "30s");
    DEFAULTS.put("jwt-tenant-claim", "tenant");
    DEFAULTS.put("jwt-role-claim", "role");
    DEFAULTS.put("mesh-secret-file", "");
    DEFAULTS.put("insecure", "false");
    ObservabilitySettings.defaults(DEFAULTS);
    BatchingSettings.defaults(DEFAULTS);
    RestSettings.defaults(DEFAULTS);
    AdmissionSettings.defaults(DEFAULTS);
  }

  /** Options that may be given bare ({@code --insecure} means {@code --insecure true}). */
  private static final java.util.Set<String> SWITCHES = java.util.Set.of("insecure");

  private ConfigParser() {}

  /** The option names this parser knows, without dashes. */
  public static List<String> options() {
    return List.copyOf(DEFAULTS.keySet());
  }

  public static String defaultOf(String option) {
    return DEFAULTS.get(option);
  }

  /**
   * @param args flags
   * @param env environment (normally {@code System.getenv()})
   * @return the validated config
   * @throws ConfigException with a one-line message
   */
  public static NodeConfig parse(List<String> args, Map<String, String> env) {
    Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
    java.util.Set<String> explicit = new java.util.HashSet<>();
    for (String option : DEFAULTS.keySet()) {
      String fromEnv = env.get(envName(option));
      if (fromEnv != null && !fromEnv.isEmpty()) {
        values.put(option, fromEnv);
        explicit.add(option);
      }
    }
    Map<String, String> flags = flags(args, DEFAULTS.keySet());
    values.putAll(flags);
    explicit.addAll(flags.keySet());
    EtcdOptions.Resolved etcd = EtcdOptions.resolve(values, explicit);
    String instanceId = values.get("instance-id");
    if (instanceId.isEmpty()) {
      instanceId = "node-" + UUID.randomUUID().toString().substring(0, 8);
    }
    return new NodeConfig(
        values.get("host"),
        integer("--grpc-port", values.get("grpc-port")),
        integer("--rest-port", values.get("rest-port")),
        integer("--metrics-port", values.get("metrics-port")),
        ByteSize.parse("--capacity", values.get("capacity")),
        Path.of(values.get("data-dir")),
        instanceId,
        duration("--load-timeout", values.get("load-timeout")),
        integer("--loading-slots", values.get("loading-slots")),
        integer("--intra-op-threads", values.get("intra-op-threads")),
        Math.toIntExact(
            Math.min(Integer.MAX_VALUE, ByteSize.parse("--max-message-size",
                values.get("max-message-size")))),
        longValue("--max-tensor-elements", values.get("max-tensor-elements")),
        values.get("eviction").toLowerCase(Locale.ROOT),
        duration("--failure-backoff", values.get("failure-backoff")),
        new MeshConfig(
            etcd.endpoints(),
            etcd.prefix(),
            duration("--lease-ttl", values.get("lease-ttl")),
            duration("--etcd-timeout", values.get("etcd-timeout")),
            values.get("advertise-host"),
            values.get("zone"),
            labels(values.get("labels")),
            duration("--drain-timeout", values.get("drain-timeout")),
            ByteSize.parse("--model-record-cache", values.get("model-record-cache")),
            etcd.access()),
        storage(values),
        values.get("remote-runtime").isBlank() ? Optional.empty()
            : Optional.of(RemoteRuntimeOption.parse(values.get("remote-runtime"))),
        DeviceSettings.parse(values.get("device"), values.get("gpu-capacity")),
        integer("--internal-port", values.get("internal-port")),
        auth(values),
        tls(values),
        ObservabilitySettings.parse(values),
        BatchingSettings.parse(values),
        RestSettings.parse(values),
        AdmissionSettings.parse(values, Runtime.getRuntime().availableProcessors()));
  }

  private static TlsSettings tls(Map<String, String> values) {
    return new TlsSettings(optionalPath(values.get("tls-cert")),
        optionalPath(values.get("tls-key")), optionalPath(values.get("tls-client-ca")),
        optionalPath(values.get("tls-mesh-ca")), duration("--tls-reload",
            values.get("tls-reload")));
  }

  private static AuthSettings auth(Map<String, String> values) {
    return new AuthSettings(
        optionalPath(values.get("jwks-file")),
        optionalPath(values.get("api-keys-file")),
        new io.densemesh.auth.JwtRules(values.get("jwt-issuer").trim(),
            values.get("jwt-audience").trim(),
            duration("--jwt-clock-skew", values.get("jwt-clock-skew")),
            values.get("jwt-tenant-claim").trim(), values.get("jwt-role-claim").trim()),
        bool("--insecure", values.get("insecure")),
        optionalPath(values.get("mesh-secret-file")));
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

  private static StorageSettings storage(Map<String, String> values) {
    String storageConfig = values.get("storage-config").trim();
    String cacheDir = values.get("artifact-cache-dir").trim();
    return new StorageSettings(
        storageConfig.isEmpty() ? Optional.empty() : Optional.of(Path.of(storageConfig)),
        Path.of(values.get("pvc-root")),
        cacheDir.isEmpty() ? Path.of(values.get("data-dir")).resolve("artifacts")
            : Path.of(cacheDir),
        ByteSize.parse("--artifact-cache-size", values.get("artifact-cache-size")),
        ByteSize.parse("--max-artifact-size", values.get("max-artifact-size")),
        duration("--download-timeout", values.get("download-timeout")),
        modelRoots(values),
        list(values.get("storage-allow-hosts")));
  }

  /** {@code --model-roots}, by default the data directory's {@code models/} and the PVC root. */
  private static List<Path> modelRoots(Map<String, String> values) {
    List<String> given = list(values.get("model-roots"));
    if (given.isEmpty()) {
      return List.of(Path.of(values.get("data-dir")).resolve("models"),
          Path.of(values.get("pvc-root")));
    }
    return given.stream().map(Path::of).toList();
  }

  /** {@code grpc-port} becomes {@code DM_GRPC_PORT}. */
  public static String envName(String option) {
    return "DM_" + option.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  /**
   * Reads {@code --name value} and {@code --name=value} flags, each name one of {@code known}.
   *
   * @throws ConfigException with a one-line message for anything else
   */
  public static Map<String, String> flags(List<String> args, java.util.Set<String> known) {
    Map<String, String> flags = new LinkedHashMap<>();
    List<String> rest = new ArrayList<>(args);
    for (int i = 0; i < rest.size(); i++) {
      String arg = rest.get(i);
      if (!arg.startsWith("--")) {
        throw new ConfigException("unexpected argument '" + arg + "' (options start with --)");
      }
      String name = arg.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (SWITCHES.contains(name)
          && (i + 1 >= rest.size() || rest.get(i + 1).startsWith("--"))) {
        value = "true";
      } else {
        if (i + 1 >= rest.size()) {
          throw new ConfigException("--" + name + " needs a value");
        }
        value = rest.get(++i);
      }
      if (!known.contains(name)) {
        throw new ConfigException("unknown option --" + name + " (see --help)");
      }
      flags.put(name, value);
    }
    return flags;
  }

  private static int integer(String option, String text) {
    long value = longValue(option, text);
    if (value > Integer.MAX_VALUE || value < Integer.MIN_VALUE) {
      throw new ConfigException(option + ": '" + text + "' is out of range");
    }
    return (int) value;
  }

  private static long longValue(String option, String text) {
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(option + ": '" + text + "' is not a whole number");
    }
  }

  /**
   * Accepts {@code 500us}, {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h} or ISO-8601
   * ({@code PT30S}).
   */
  public static Duration duration(String option, String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    try {
      if (t.startsWith("pt") || t.startsWith("p")) {
        return Duration.parse(t.toUpperCase(Locale.ROOT));
      }
      if (t.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      }
      if (t.endsWith("us") || t.endsWith("\u00b5s")) {
        return Duration.ofNanos(Math.multiplyExact(
            Long.parseLong(t.substring(0, t.length() - 2)), 1000L));
      }
      long n = Long.parseLong(t.substring(0, t.length() - 1));
      return switch (t.charAt(t.length() - 1)) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        default -> throw new NumberFormatException();
      };
    } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException
        | ArithmeticException e) {
      throw new ConfigException(
          option + ": '" + text + "' is not a duration (examples: 500ms, 30s, 5m)");
    }
  }
}
