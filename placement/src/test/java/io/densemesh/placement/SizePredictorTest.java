package io.densemesh.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** First-load size predictions from measured models of the same type and similar file size. */
class SizePredictorTest {

  @Test
  void noPredictionUntilTheTypeHasEnoughMeasurements() {
    SizePredictor p = new SizePredictor(16, 4, 2);
    assertThat(p.predict("onnx", 1000)).isEmpty();
    p.observe("onnx", 1000, 50_000);
    assertThat(p.predict("onnx", 1000)).isEmpty();
    p.observe("onnx", 1000, 50_000);
    assertThat(p.predict("onnx", 1000)).hasValue(50_000);
    assertThat(p.predict("text", 1000)).as("another type").isEmpty();
  }

  @Test
  void similarFileSizesDecideNotDistantOnes() {
    SizePredictor p = new SizePredictor(16, 2, 2);
    // Small models: fixed overhead dominates (ratio 50); large ones: close to the file (1.2).
    p.observe("onnx", 1_000, 50_000);
    p.observe("onnx", 1_200, 60_000);
    p.observe("onnx", 100_000_000, 120_000_000);
    p.observe("onnx", 120_000_000, 144_000_000);

    assertThat(p.predict("onnx", 1_100).getAsLong()).isBetween(50_000L, 60_000L);
    assertThat(p.predict("onnx", 110_000_000).getAsLong())
        .isBetween(130_000_000L, 135_000_000L);
  }

  @Test
  void leansHighAndNeverBelowTheFile() {
    SizePredictor p = new SizePredictor(16, 4, 2);
    p.observe("onnx", 1000, 1000);
    p.observe("onnx", 1000, 2000);
    p.observe("onnx", 1000, 3000);
    p.observe("onnx", 1000, 4000);
    assertThat(p.predict("onnx", 1000)).hasValue(3000);

    SizePredictor shrinking = new SizePredictor(4, 4, 1);
    shrinking.observe("onnx", 1000, 10);
    assertThat(shrinking.predict("onnx", 1000)).hasValue(1000);
  }

  @Test
  void keepsOnlyTheLatestSamplesPerType() {
    SizePredictor p = new SizePredictor(2, 2, 1);
    p.observe("onnx", 1000, 9000);
    p.observe("onnx", 1000, 2000);
    p.observe("onnx", 1000, 2000);
    assertThat(p.predict("onnx", 1000)).hasValue(2000);
  }

  @Test
  void rejectsInconsistentSettings() {
    assertThatThrownBy(() -> new SizePredictor(2, 2, 3))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
