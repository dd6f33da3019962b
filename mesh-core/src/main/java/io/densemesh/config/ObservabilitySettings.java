package io.densemesh.config;

import java.util.Set;

/**
 * How the node reports on itself: metric labels, logs and traces; see docs/observability.md.
 *
 * @param perModelMetrics whether inference metrics carry a {@code model} label (opt-in: one
 *     series per model and status)
 * @param maxMetricSeries hard cap on distinct models (and distinct tenants) given their own label
 *     values; later ones are counted under {@code _other}
 * @param logLevel root log level: trace, debug, info, warn or error
 * @param logFormat {@code text} (one line per event) or {@code json} (one JSON object per line)
 * @param otlpEndpoint where spans are exported over OTLP/gRPC; empty (the default) turns tracing
 *     off
 * @param traceSampling share of new traces recorded, 0..1 (a caller's sampled flag wins)
 */
public record ObservabilitySettings(boolean perModelMetrics, int maxMetricSeries,
    String logLevel, String logFormat, String otlpEndpoint, double traceSampling) {

  static final Set<String> LEVELS = Set.of("trace", "debug", "info", "warn", "error");
  static final Set<String> FORMATS = Set.of("text", "json");

  /** Defaults: no per-model labels, 500 series, info text logs, tracing off. */
  public static final ObservabilitySettings DEFAULT =
      new ObservabilitySettings(false, 500, "info", "text", "", 1.0);

  public ObservabilitySettings {
    require(maxMetricSeries >= 1 && maxMetricSeries <= 100_000,
        "--metrics-max-series must be 1..100000, got " + maxMetricSeries);
    require(LEVELS.contains(logLevel),
        "--log-level must be one of trace, debug, info, warn, error, got '" + logLevel + "'");
    require(FORMATS.contains(logFormat),
        "--log-format must be text or json, got '" + logFormat + "'");
    require(otlpEndpoint.isEmpty() || otlpEndpoint.startsWith("http://")
            || otlpEndpoint.startsWith("https://"),
        "--otlp-endpoint must be an http:// or https:// URL (OTLP/gRPC), got '" + otlpEndpoint
            + "'");
    require(traceSampling >= 0 && traceSampling <= 1,
        "--trace-sampling must be between 0 and 1, got " + traceSampling);
  }

  public boolean tracing() {
    return !otlpEndpoint.isEmpty();
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new ConfigException(message);
    }
  }
}
