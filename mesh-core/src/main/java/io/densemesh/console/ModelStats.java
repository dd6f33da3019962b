package io.densemesh.console;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.densemesh.metrics.InferenceListener;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.function.ToIntFunction;

/**
 * Per-model figures for the console's model page, for the models this node served recently
 * (at most {@link #MAX_MODELS}, least recently used forgotten first, so a million models cost
 * no more than a few thousand): a latency histogram since the model was first seen here, and
 * per-minute requests, errors and copies in the mesh over the last hour.
 */
public final class ModelStats implements InferenceListener {

  /** Models followed at most. */
  public static final int MAX_MODELS = 4096;

  private final Clock clock;
  private final Cache<String, Model> models;

  public ModelStats(Clock clock) {
    this(clock, MAX_MODELS);
  }

  ModelStats(Clock clock, int maxModels) {
    this.clock = clock;
    this.models = Caffeine.newBuilder().maximumSize(maxModels).executor(Runnable::run).build();
  }

  @Override
  public void served(String modelId, String tenant, long nanos, boolean ok) {
    Model m = models.get(modelId, id -> new Model());
    m.latency.record(nanos, ok);
    m.minutes.add(minute(), 1, ok ? 0 : 1);
  }

  /** Samples each followed model's copy count (loaded copies in the mesh) into this minute. */
  public void sampleCopies(ToIntFunction<String> loadedCopies) {
    long minute = minute();
    models.asMap().forEach((id, m) -> m.minutes.copies(minute, loadedCopies.applyAsInt(id)));
  }

  /** The model's figures, when this node served it recently. */
  public Optional<Snapshot> of(String modelId) {
    Model m = models.getIfPresent(modelId);
    if (m == null) {
      return Optional.empty();
    }
    return Optional.of(new Snapshot(m.latency.counts(), m.latency.errors(),
        m.minutes.last(minute())));
  }

  /** How many models are followed now. */
  public long followed() {
    models.cleanUp();
    return models.estimatedSize();
  }

  private long minute() {
    return clock.millis() / 60_000;
  }

  /**
   * @param counts latencies per bucket of {@link LatencyHistogram#BOUNDS_MICROS} (+ slower)
   * @param errors failed inferences among them
   * @param minutes the last hour, oldest first, minutes without data left out
   */
  public record Snapshot(long[] counts, long errors, List<MinuteRing.Minute> minutes) {}

  private static final class Model {
    final LatencyHistogram latency = new LatencyHistogram();
    final MinuteRing minutes = new MinuteRing(60);
  }
}
