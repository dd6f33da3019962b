package io.densemesh.runtimeserver;

import io.densemesh.config.ByteSize;
import io.densemesh.config.ConfigException;
import io.densemesh.config.ConfigParser;
import io.densemesh.config.GrpcAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Options of {@code densemesh runtime}, all {@code --name value} flags.
 *
 * @param listen TCP {@code host:port} or {@code unix:/path} to serve on
 * @param capacityBytes memory reported to nodes for models
 * @param loadingSlots loads run at once (reported as maxLoadingConcurrency)
 * @param loadTimeout reported as modelLoadingTimeoutMs: the node cancels slower loads
 * @param defaultModelSizeBytes reported default model size
 * @param intraOpThreads threads one ONNX inference may use
 * @param maxMessageBytes largest request accepted
 * @param maxTensorElements largest element count one input tensor may describe
 */
public record RuntimeServerOptions(
    GrpcAddress listen,
    long capacityBytes,
    int loadingSlots,
    Duration loadTimeout,
    long defaultModelSizeBytes,
    int intraOpThreads,
    int maxMessageBytes,
    long maxTensorElements) {

  private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

  static {
    DEFAULTS.put("listen", "");
    DEFAULTS.put("capacity", "1g");
    DEFAULTS.put("loading-slots", "2");
    DEFAULTS.put("load-timeout", "60s");
    DEFAULTS.put("default-model-size", "1m");
    DEFAULTS.put("intra-op-threads", "1");
    DEFAULTS.put("max-message-size", "64m");
    DEFAULTS.put("max-tensor-elements", "67108864");
  }

  public RuntimeServerOptions {
    require(capacityBytes >= 1 << 20, "--capacity must be at least 1m");
    require(loadingSlots >= 1 && loadingSlots <= 256, "--loading-slots must be 1..256");
    require(!loadTimeout.isNegative() && !loadTimeout.isZero()
        && loadTimeout.toMillis() <= Integer.MAX_VALUE, "--load-timeout must be > 0 and < 24d");
    require(defaultModelSizeBytes >= 1, "--default-model-size must be > 0");
    require(intraOpThreads >= 1 && intraOpThreads <= 256, "--intra-op-threads must be 1..256");
    require(maxMessageBytes >= 1024, "--max-message-size must be at least 1k");
    require(maxTensorElements >= 1, "--max-tensor-elements must be >= 1");
  }

  public static List<String> options() {
    return List.copyOf(DEFAULTS.keySet());
  }

  public static String defaultOf(String option) {
    return DEFAULTS.get(option);
  }

  /** @throws ConfigException with a one-line message */
  public static RuntimeServerOptions parse(List<String> args) {
    Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
    values.putAll(ConfigParser.flags(args, DEFAULTS.keySet()));
    if (values.get("listen").isBlank()) {
      throw new ConfigException("--listen is required (host:port or unix:/path/to/socket)");
    }
    return new RuntimeServerOptions(
        GrpcAddress.parse("--listen", values.get("listen")),
        ByteSize.parse("--capacity", values.get("capacity")),
        whole("--loading-slots", values.get("loading-slots")),
        ConfigParser.duration("--load-timeout", values.get("load-timeout")),
        ByteSize.parse("--default-model-size", values.get("default-model-size")),
        whole("--intra-op-threads", values.get("intra-op-threads")),
        Math.toIntExact(Math.min(Integer.MAX_VALUE,
            ByteSize.parse("--max-message-size", values.get("max-message-size")))),
        whole("--max-tensor-elements", values.get("max-tensor-elements")));
  }

  private static int whole(String option, String text) {
    try {
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(option + ": '" + text + "' is not a whole number");
    }
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new ConfigException(message);
    }
  }
}
