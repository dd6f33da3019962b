package io.densemesh.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.runtime.error.InvalidInputException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchPolicyTest {

  @Test
  void readsTheBatchingObjectOfAJsonKeyBesideStorageFields() {
    var p = BatchPolicy.fromKey("{\"storage_key\":\"s3\",\"batching\":{\"max_batch_size\":8,"
        + "\"max_queue_delay_us\":250,\"preferred_batch_sizes\":[8,4,4]}}").orElseThrow();
    assertThat(p.maxBatchSize()).isEqualTo(8);
    assertThat(p.maxQueueDelay()).isEqualTo(Duration.ofNanos(250_000));
    assertThat(p.preferredSizes()).containsExactly(4, 8);
    assertThat(p.full(4)).isTrue();
    assertThat(p.full(5)).isFalse();
    assertThat(p.full(9)).isTrue();
  }

  @Test
  void plainKeysKeysWithoutBatchingAndZeroMeanNoPolicy() {
    assertThat(BatchPolicy.fromKey("my-storage")).isEmpty();
    assertThat(BatchPolicy.fromKey("")).isEmpty();
    assertThat(BatchPolicy.fromKey("{\"storage_key\":\"s3\"}")).isEmpty();
    assertThat(BatchPolicy.fromKey("{\"batching\":{\"max_batch_size\":0}}")).isEmpty();
  }

  @Test
  void badSettingsAreClearErrors() {
    for (String bad : List.of("{\"batching\":7}", "{\"batching\":{}}",
        "{\"batching\":{\"max_batch_size\":1}}",
        "{\"batching\":{\"max_batch_size\":8,\"max_queue_delay_us\":-1}}",
        "{\"batching\":{\"max_batch_size\":8,\"max_queue_delay_us\":2000000}}",
        "{\"batching\":{\"max_batch_size\":8,\"preferred_batch_sizes\":[9]}}",
        "{\"batching\":{\"max_batch_size\":8,\"preferred_batch_sizes\":\"4\"}}")) {
      assertThatThrownBy(() -> BatchPolicy.fromKey(bad)).as(bad)
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("batch");
    }
  }
}
