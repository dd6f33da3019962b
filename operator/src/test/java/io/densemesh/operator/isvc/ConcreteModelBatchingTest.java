package io.densemesh.operator.isvc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.operator.resource.InvalidResourceException;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ConcreteModelBatchingTest {

  static final PredictorSpec SPEC = new PredictorSpec("onnx", Optional.empty(), Optional.empty(),
      Optional.of("s3://bucket/m.onnx"), Optional.of("store"), Optional.empty(), new TreeMap<>());

  @Test
  void theAnnotationGoesIntoTheKeyJsonAndTheModelId() {
    Optional<String> batching = ConcreteModel.batching(Map.of(ConcreteModel.BATCHING_ANNOTATION,
        "{ \"max_batch_size\": 16, \"max_queue_delay_us\": 500 }"));
    ConcreteModel batched = ConcreteModel.of("svc", SPEC, batching);
    ConcreteModel plain = ConcreteModel.of("svc", SPEC);

    assertThat(plain.info().getKey()).isEqualTo("store");
    assertThat(batched.info().getKey()).startsWith("{\"storage_key\":\"store\"")
        .contains("\"batching\":{").contains("\"max_batch_size\":16");
    assertThat(batched.id()).isNotEqualTo(plain.id());
    assertThat(ConcreteModel.batching(Map.of())).isEmpty();
  }

  @Test
  void anAnnotationThatIsNotAJsonObjectIsAnInvalidSpec() {
    for (String bad : new String[] {"16", "[1]", "{not json"}) {
      assertThatThrownBy(() -> ConcreteModel.batching(Map.of(
          ConcreteModel.BATCHING_ANNOTATION, bad))).as(bad)
          .isInstanceOf(InvalidResourceException.class).hasMessageContaining("JSON object");
    }
  }
}
