package io.densemesh.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.densemesh.runtime.ModelSpec;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

class SizeMemoryTest {

  private final SizeMemory sizes = new SizeMemory();
  private final AtomicInteger estimates = new AtomicInteger();
  private final LongSupplier runtimeEstimate = () -> {
    estimates.incrementAndGet();
    return 9_999;
  };

  private static ModelSpec spec(String id) {
    return new ModelSpec(id, "onnx", "/models/" + id, "");
  }

  @Test
  void aModelNeverMeasuredAndNoSimilarOnesGetsTheRuntimeEstimateAndNoGpu() {
    assertThat(sizes.predictBytes(spec("a"), 1_000, runtimeEstimate)).isEqualTo(9_999);
    assertThat(sizes.predictGpuBytes("a")).isZero();
    assertThat(estimates).hasValue(1);
  }

  @Test
  void aModelsOwnMeasurementWins() {
    sizes.observe(spec("a"), 1_000, 3_000, 700);

    assertThat(sizes.predictBytes(spec("a"), 1_000, runtimeEstimate)).isEqualTo(3_000);
    assertThat(sizes.predictGpuBytes("a")).isEqualTo(700);
    assertThat(estimates).hasValue(0);
  }

  @Test
  void aFirstLoadIsPredictedFromSimilarModelsOfItsType() {
    sizes.observe(spec("a"), 1_000, 2_000, 0);
    sizes.observe(spec("b"), 1_000, 2_000, 0);

    assertThat(sizes.predictBytes(spec("c"), 1_000, runtimeEstimate)).isEqualTo(2_000);
    assertThat(estimates).as("the runtime is not asked").hasValue(0);
    assertThat(sizes.predictGpuBytes("c")).isZero();
  }

  @Test
  void forgettingDropsTheOwnMeasurementAndAnUnknownModelIsHarmless() {
    sizes.observe(spec("a"), 1_000, 3_000, 700);
    sizes.forget("a");
    sizes.forget("never-loaded");

    assertThat(sizes.predictGpuBytes("a")).isZero();
    assertThat(sizes.predictBytes(spec("a"), 1_000, runtimeEstimate))
        .as("one sample of the type is too few to predict from").isEqualTo(9_999);
  }
}
