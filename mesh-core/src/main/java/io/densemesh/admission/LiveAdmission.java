package io.densemesh.admission;

import io.densemesh.cache.ModelCache;
import io.densemesh.config.AdmissionSettings;
import io.densemesh.config.ConfigException;
import java.util.List;
import java.util.Map;

/**
 * The admission limits as live settings: the mesh-wide placement config (the registry's
 * {@code config/} keys, set with {@code setPlacementConfig}) may override the node's flags with
 * {@link #KEYS}; a key that is absent falls back to the node's own flag. Thread counts are not
 * live (they size the servers' pools at start).
 */
public final class LiveAdmission {

  public static final String MAX_IN_FLIGHT = "maxInFlight";
  public static final String MAX_WAITING_PER_MODEL = "maxWaitingPerModel";
  public static final String MAX_QUEUED_LOADS = "maxQueuedLoads";
  public static final String RETRY_BUDGET_PERCENT = "retryBudgetPercent";
  public static final String MIN_RETRIES_PER_SECOND = "minRetriesPerSecond";

  public static final List<String> KEYS = List.of(MAX_IN_FLIGHT, MAX_WAITING_PER_MODEL,
      MAX_QUEUED_LOADS, RETRY_BUDGET_PERCENT, MIN_RETRIES_PER_SECOND);

  private final AdmissionSettings flags;
  private final InFlightLimit inFlight;
  private final ModelCache cache;
  private final RetryBudget budget;

  /** Applies to the given limits; null targets make a validator that applies nothing. */
  public LiveAdmission(AdmissionSettings flags, InFlightLimit inFlight, ModelCache cache,
      RetryBudget budget) {
    this.flags = flags;
    this.inFlight = inFlight;
    this.cache = cache;
    this.budget = budget;
  }

  /** Validates admission keys only (for a component that does not hold the limits). */
  public static LiveAdmission validator() {
    return new LiveAdmission(AdmissionSettings.forCores(
        Runtime.getRuntime().availableProcessors()), null, null, null);
  }

  public static boolean owns(String key) {
    return KEYS.contains(key);
  }

  /**
   * The limits {@code settings} ask for, over the node's flags.
   *
   * @throws IllegalArgumentException naming the key of a value that does not validate
   */
  public AdmissionSettings parse(Map<String, String> settings) {
    int inFlightLimit = number(settings, MAX_IN_FLIGHT, flags.maxInFlight());
    try {
      return new AdmissionSettings(inFlightLimit,
          number(settings, MAX_WAITING_PER_MODEL,
              Math.min(flags.maxWaitingPerModel(), inFlightLimit)),
          number(settings, MAX_QUEUED_LOADS, flags.maxQueuedLoads()),
          flags.grpcThreads(), flags.grpcQueue(),
          number(settings, RETRY_BUDGET_PERCENT, flags.retryBudgetPercent()),
          number(settings, MIN_RETRIES_PER_SECOND, flags.minRetriesPerSecond()));
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e.getMessage().replace("--max-in-flight", MAX_IN_FLIGHT)
          .replace("--max-waiting-per-model", MAX_WAITING_PER_MODEL)
          .replace("--max-queued-loads", MAX_QUEUED_LOADS)
          .replace("--retry-budget", RETRY_BUDGET_PERCENT)
          .replace("--min-retries-per-second", MIN_RETRIES_PER_SECOND), e);
    }
  }

  /** Puts the limits into effect (running requests are never cut). */
  public void apply(AdmissionSettings limits) {
    if (inFlight != null) {
      inFlight.setLimit(limits.maxInFlight());
    }
    if (cache != null) {
      cache.setMaxWaitersPerModel(limits.maxWaitingPerModel());
      cache.setMaxQueuedLoads(limits.maxQueuedLoads());
    }
    if (budget != null) {
      budget.setLimits(limits.retryBudgetPercent(), limits.minRetriesPerSecond());
    }
  }

  private static int number(Map<String, String> settings, String key, int fallback) {
    String text = settings.get(key);
    if (text == null || text.isBlank()) {
      return fallback;
    }
    try {
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a whole number: '" + text + "'");
    }
  }
}
