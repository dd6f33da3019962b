package io.densemesh.config;

import java.util.Map;

/**
 * How much work a node admits before it refuses with RESOURCE_EXHAUSTED / 429 (see
 * docs/configuration.md, "Admission"). Validated once; the limits (not the thread counts) can
 * also be changed at run time through the mesh-wide placement config.
 *
 * @param maxInFlight requests this node serves or waits on at once (inference and metadata run
 *     here); beyond it a request is refused at once
 * @param maxWaitingPerModel requests that may wait for one model's load; beyond it refused
 * @param maxQueuedLoads loads that may wait for a loading slot; beyond it a new load is refused
 * @param grpcThreads threads that run gRPC calls on each of the client and internal ports
 * @param grpcQueue calls that may wait for one of those threads (short tasks: nothing blocks on
 *     a load there)
 * @param retryBudgetPercent forward retries allowed as a share of forwards over the last
 *     {@link #RETRY_WINDOW_SECONDS} seconds
 * @param minRetriesPerSecond retries always allowed, whatever the share (a quiet node can retry)
 */
public record AdmissionSettings(int maxInFlight, int maxWaitingPerModel, int maxQueuedLoads,
    int grpcThreads, int grpcQueue, int retryBudgetPercent, int minRetriesPerSecond) {

  /** The sliding window the retry budget counts over. */
  public static final int RETRY_WINDOW_SECONDS = 10;

  public AdmissionSettings {
    require(maxInFlight >= 1 && maxInFlight <= 1_000_000,
        "--max-in-flight must be 1..1000000, got " + maxInFlight);
    require(maxWaitingPerModel >= 1 && maxWaitingPerModel <= maxInFlight,
        "--max-waiting-per-model must be 1..--max-in-flight (" + maxInFlight + "), got "
            + maxWaitingPerModel);
    require(maxQueuedLoads >= 1 && maxQueuedLoads <= 100_000,
        "--max-queued-loads must be 1..100000, got " + maxQueuedLoads);
    require(grpcThreads >= 1 && grpcThreads <= 4096,
        "--grpc-threads must be 1..4096, got " + grpcThreads);
    require(grpcQueue >= 1 && grpcQueue <= 1_000_000,
        "--grpc-queue must be 1..1000000, got " + grpcQueue);
    require(retryBudgetPercent >= 0 && retryBudgetPercent <= 100,
        "--retry-budget must be 0..100 (percent of forwards), got " + retryBudgetPercent);
    require(minRetriesPerSecond >= 0 && minRetriesPerSecond <= 10_000,
        "--min-retries-per-second must be 0..10000, got " + minRetriesPerSecond);
  }

  /**
   * Defaults from the machine: gRPC threads 4 per core (inference is CPU work; more threads only
   * queue inside the runtime), in flight 64 per core, waiting per model a quarter of that.
   */
  public static AdmissionSettings forCores(int cores) {
    int c = Math.max(1, cores);
    int inFlight = Math.min(1_000_000, 64 * c);
    return new AdmissionSettings(inFlight, Math.max(1, inFlight / 4), 1024,
        Math.min(4096, 4 * c), 16_384, 10, 5);
  }

  /**
   * From the flags' text ({@link NodeOptions}): an empty value takes the default derived from the
   * cores; {@code --retry-budget} may end in {@code %}.
   */
  static AdmissionSettings parse(Map<String, String> values, int cores) {
    AdmissionSettings derived = forCores(cores);
    int inFlight = number(values, "max-in-flight", derived.maxInFlight());
    int waitingDefault = values.get("max-in-flight").isBlank() ? derived.maxWaitingPerModel()
        : Math.max(1, inFlight / 4);
    return new AdmissionSettings(inFlight,
        number(values, "max-waiting-per-model", waitingDefault),
        number(values, "max-queued-loads", 1024),
        number(values, "grpc-threads", derived.grpcThreads()),
        number(values, "grpc-queue", 16_384),
        number(values, "retry-budget", 10),
        number(values, "min-retries-per-second", 5));
  }

  private static int number(Map<String, String> values, String option, int fallback) {
    String text = values.getOrDefault(option, "").trim();
    if (text.isEmpty()) {
      return fallback;
    }
    try {
      return Integer.parseInt(text.endsWith("%") ? text.substring(0, text.length() - 1) : text);
    } catch (NumberFormatException e) {
      throw new ConfigException("--" + option + ": '" + text + "' is not a whole number");
    }
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new ConfigException(message);
    }
  }
}
