package io.densemesh.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.densemesh.runtime.ModelSpec;
import io.densemesh.testing.FakeClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FailureMemoryTest {

  private final FakeClock clock = new FakeClock(5_000);
  private final FailureMemory memory = new FailureMemory(clock, Duration.ofSeconds(30));
  private final ModelSpec bad = new ModelSpec("bad", "fake", "/models/bad.onnx", "");

  @Test
  void remembersTheReasonAndWhenInsideTheWindow() {
    memory.remember(bad, "weights are corrupt");
    clock.advance(Duration.ofSeconds(10));

    assertThat(memory.of(bad)).get().satisfies(f -> {
      assertThat(f.reason()).isEqualTo("weights are corrupt");
      assertThat(f.atMillis()).isEqualTo(5_000);
    });
    assertThat(memory.of("bad")).isPresent();
  }

  @Test
  void theWindowEndsExactlyAtTheBackoff() {
    memory.remember(bad, "weights are corrupt");

    clock.advance(Duration.ofMillis(29_999));
    assertThat(memory.of(bad)).as("one millisecond before the end").isPresent();

    clock.advance(Duration.ofMillis(1));
    assertThat(memory.of(bad)).as("at the boundary").isEmpty();
    assertThat(memory.of("bad")).isEmpty();
  }

  @Test
  void aNewFailureStartsANewWindow() {
    memory.remember(bad, "first");
    clock.advance(Duration.ofSeconds(20));
    memory.remember(bad, "second");
    clock.advance(Duration.ofSeconds(20));

    assertThat(memory.of(bad)).get().extracting(FailureMemory.Failure::reason)
        .isEqualTo("second");
  }

  @Test
  void aModelRegisteredAnewIsNotHeldToTheOldFailure() {
    memory.remember(bad, "weights are corrupt");
    ModelSpec fixed = new ModelSpec("bad", "fake", "/models/bad-v2.onnx", "");

    assertThat(memory.of(fixed)).isEmpty();
    assertThat(memory.of("bad")).as("status still shows the failure").isPresent();
  }

  @Test
  void forgettingEndsTheWindowAndForgettingAnUnknownModelIsHarmless() {
    memory.remember(bad, "weights are corrupt");
    memory.forget("bad");
    memory.forget("never-failed");

    assertThat(memory.of(bad)).isEmpty();
    assertThat(memory.of("never-failed")).isEmpty();
  }
}
