package io.densemesh.placement;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Predicts the resident size of a model that was never loaded from what similar models measured:
 * per model type, the latest {@code samplesPerType} (file size, measured size) pairs; a
 * prediction for a file of size f takes the {@code neighbours} samples nearest to f on a log
 * scale (similar file sizes) and scales f by the upper quartile of their measured/file ratios.
 * A local, online regression: it follows the runtime's real overhead (which dominates small
 * models and fades for large ones) without a fixed formula, and leans high so a first load
 * rarely reserves less than it then takes.
 *
 * <p>Empty until a type has {@code minSamples} measurements; callers then fall back to the
 * runtime's own conservative estimate. Thread-safe; O(samplesPerType) per prediction.
 */
public final class SizePredictor {

  private record Sample(long fileBytes, long measuredBytes) {
    double logFile() {
      return Math.log(Math.max(1, fileBytes));
    }

    double ratio() {
      return measuredBytes / (double) Math.max(1, fileBytes);
    }
  }

  private final int samplesPerType;
  private final int neighbours;
  private final int minSamples;
  private final Map<String, Deque<Sample>> byType = new HashMap<>();

  public SizePredictor(int samplesPerType, int neighbours, int minSamples) {
    if (samplesPerType < 1 || neighbours < 1 || minSamples < 1 || minSamples > samplesPerType) {
      throw new IllegalArgumentException("need 1 <= minSamples <= samplesPerType, neighbours >= 1");
    }
    this.samplesPerType = samplesPerType;
    this.neighbours = neighbours;
    this.minSamples = minSamples;
  }

  /** Defaults: 64 samples per type, 8 neighbours, a prediction from 2 measurements on. */
  public SizePredictor() {
    this(64, 8, 2);
  }

  /** A load measured {@code measuredBytes} resident for a file of {@code fileBytes}. */
  public synchronized void observe(String type, long fileBytes, long measuredBytes) {
    if (fileBytes <= 0 || measuredBytes <= 0) {
      return;
    }
    Deque<Sample> samples = byType.computeIfAbsent(type, t -> new ArrayDeque<>());
    samples.addLast(new Sample(fileBytes, measuredBytes));
    if (samples.size() > samplesPerType) {
      samples.removeFirst();
    }
  }

  /** The predicted resident size of a model of {@code type} whose file has {@code fileBytes}. */
  public synchronized OptionalLong predict(String type, long fileBytes) {
    Deque<Sample> samples = byType.get(type);
    if (samples == null || samples.size() < minSamples || fileBytes <= 0) {
      return OptionalLong.empty();
    }
    double target = Math.log(fileBytes);
    List<Sample> nearest = new ArrayList<>(samples);
    nearest.sort(Comparator.comparingDouble(s -> Math.abs(s.logFile() - target)));
    List<Double> ratios = nearest.subList(0, Math.min(neighbours, nearest.size())).stream()
        .map(Sample::ratio).sorted().toList();
    double upperQuartile = ratios.get((int) Math.round(0.75 * (ratios.size() - 1)));
    return OptionalLong.of(Math.max(fileBytes, Math.round(fileBytes * upperQuartile)));
  }
}
