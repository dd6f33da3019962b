package io.densemesh.operator;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Builds an {@link OperatorConfig} from flags ({@code --name value} or {@code --name=value}) and
 * the environment ({@code DM_NAME}); flags win. Unknown flags and malformed values fail with a
 * one-line {@link IllegalArgumentException}.
 */
public final class OperatorConfigParser {

  private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

  static {
    DEFAULTS.put("namespace", "default");
    DEFAULTS.put("node-image", "densemesh/node:0.1.0");
    DEFAULTS.put("default-replicas", "1");
    DEFAULTS.put("etcd-secret", "densemesh-etcd");
    DEFAULTS.put("storage-secret", "storage-config");
    DEFAULTS.put("etcd-tls-secret",
        io.densemesh.operator.runtime.WorkloadSettings.DEFAULT_ETCD_TLS_SECRET);
    DEFAULTS.put("node-tls-secret", "");
    DEFAULTS.put("allow-privileged-runtimes", "false");
    DEFAULTS.put("adapter-image",
        io.densemesh.operator.runtime.WorkloadSettings.DEFAULT_ADAPTER_IMAGE);
    DEFAULTS.put("mesh-target", "");
    DEFAULTS.put("resync-period", "30s");
    DEFAULTS.put("status-poll-interval", "2s");
    DEFAULTS.put("mesh-deadline", "10s");
    DEFAULTS.put("health-port", "8081");
  }

  private OperatorConfigParser() {}

  public static List<String> options() {
    return List.copyOf(DEFAULTS.keySet());
  }

  public static String defaultOf(String option) {
    return DEFAULTS.get(option);
  }

  public static OperatorConfig parse(List<String> args, Map<String, String> env) {
    Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
    for (String option : DEFAULTS.keySet()) {
      String fromEnv = env.get(envName(option));
      if (fromEnv != null && !fromEnv.isEmpty()) {
        values.put(option, fromEnv);
      }
    }
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (!arg.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + arg
            + "' (options start with --)");
      }
      String name = arg.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else {
        if (i + 1 >= args.size()) {
          throw new IllegalArgumentException("--" + name + " needs a value");
        }
        value = args.get(++i);
      }
      if (!DEFAULTS.containsKey(name)) {
        throw new IllegalArgumentException("unknown option --" + name + " (see --help)");
      }
      values.put(name, value);
    }
    int replicas;
    try {
      replicas = Integer.parseInt(values.get("default-replicas").trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--default-replicas: '" + values.get("default-replicas")
          + "' is not a whole number");
    }
    int healthPort;
    try {
      healthPort = Integer.parseInt(values.get("health-port").trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--health-port: '" + values.get("health-port")
          + "' is not a whole number");
    }
    String target = values.get("mesh-target").trim();
    return new OperatorConfig(values.get("namespace").trim(), values.get("node-image").trim(),
        replicas, values.get("etcd-secret").trim(), values.get("storage-secret").trim(),
        target.isEmpty() ? Optional.empty() : Optional.of(target),
        duration("--resync-period", values.get("resync-period")),
        duration("--status-poll-interval", values.get("status-poll-interval")),
        duration("--mesh-deadline", values.get("mesh-deadline")),
        values.get("adapter-image").trim(),
        values.get("etcd-tls-secret").trim(), values.get("node-tls-secret").trim(),
        bool("--allow-privileged-runtimes", values.get("allow-privileged-runtimes")),
        healthPort);
  }

  private static boolean bool(String option, String text) {
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException(option + ": '" + text
          + "' is not true or false");
    };
  }

  /** {@code node-image} becomes {@code DM_NODE_IMAGE}. */
  public static String envName(String option) {
    return "DM_" + option.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  /** {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h} or ISO-8601 ({@code PT30S}). */
  static Duration duration(String option, String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    try {
      if (t.startsWith("p")) {
        return Duration.parse(t.toUpperCase(Locale.ROOT));
      }
      if (t.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      }
      long n = Long.parseLong(t.substring(0, t.length() - 1));
      return switch (t.charAt(t.length() - 1)) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        default -> throw new NumberFormatException();
      };
    } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
      throw new IllegalArgumentException(option + ": '" + text
          + "' is not a duration (examples: 500ms, 30s, 5m)");
    }
  }
}
