package io.densemesh.batching;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.densemesh.runtime.error.InvalidInputException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How one model batches: at most {@code maxBatchSize} rows per run, a request waits at most
 * {@code maxQueueDelay} for others to join, and a batch that reaches one of the
 * {@code preferredSizes} runs at once. Given per model in the registration's {@code ModelInfo.key}
 * JSON ({@code {"batching": {"max_batch_size": 8, "max_queue_delay_us": 500,
 * "preferred_batch_sizes": [4, 8]}}}, beside {@code storage_key}/{@code storage_params}), else
 * the node's default ({@code --batch-max-size}, {@code --batch-max-delay}).
 *
 * @param maxBatchSize rows per run, 2..4096
 * @param maxQueueDelay longest wait for a batch to fill, 0..1 s
 * @param preferredSizes sizes that run at once, each 1..maxBatchSize (sorted, distinct)
 */
public record BatchPolicy(int maxBatchSize, Duration maxQueueDelay,
    List<Integer> preferredSizes) {

  public static final int MAX_BATCH = 4096;
  public static final Duration MAX_DELAY = Duration.ofSeconds(1);

  private static final ObjectMapper JSON = new ObjectMapper();

  public BatchPolicy {
    if (maxBatchSize < 2 || maxBatchSize > MAX_BATCH) {
      throw new InvalidInputException("batching: max_batch_size must be 2.." + MAX_BATCH
          + ", got " + maxBatchSize);
    }
    if (maxQueueDelay.isNegative() || maxQueueDelay.compareTo(MAX_DELAY) > 0) {
      throw new InvalidInputException("batching: max_queue_delay must be 0..1s, got "
          + maxQueueDelay);
    }
    for (int size : preferredSizes) {
      if (size < 1 || size > maxBatchSize) {
        throw new InvalidInputException("batching: preferred batch size " + size
            + " is not within 1.." + maxBatchSize);
      }
    }
    preferredSizes = preferredSizes.stream().distinct().sorted().toList();
  }

  /** Whether a batch of {@code rows} should run now rather than wait for more. */
  public boolean full(int rows) {
    return rows >= maxBatchSize || preferredSizes.contains(rows);
  }

  /**
   * The {@code batching} object of a JSON model key; empty when the key is not JSON or has none.
   *
   * @throws InvalidInputException when the object is there but wrong
   */
  public static Optional<BatchPolicy> fromKey(String key) {
    String k = key == null ? "" : key.trim();
    if (!k.startsWith("{")) {
      return Optional.empty();
    }
    JsonNode batching;
    try {
      batching = JSON.readTree(k).path("batching");
    } catch (IOException e) {
      return Optional.empty(); // not our JSON to judge: the storage key parser reports it
    }
    if (batching.isMissingNode() || batching.isNull()) {
      return Optional.empty();
    }
    if (!batching.isObject()) {
      throw new InvalidInputException("batching must be a JSON object");
    }
    int max = integer(batching, "max_batch_size", -1);
    if (max == 0) {
      return Optional.empty(); // explicitly off
    }
    long delayMicros = integer(batching, "max_queue_delay_us", 0);
    List<Integer> preferred = new ArrayList<>();
    JsonNode sizes = batching.path("preferred_batch_sizes");
    if (!sizes.isMissingNode()) {
      if (!sizes.isArray()) {
        throw new InvalidInputException("batching.preferred_batch_sizes must be an array");
      }
      sizes.forEach(n -> {
        if (!n.canConvertToInt() || !n.isIntegralNumber()) {
          throw new InvalidInputException("batching.preferred_batch_sizes holds " + n);
        }
        preferred.add(n.intValue());
      });
    }
    return Optional.of(new BatchPolicy(max, Duration.ofNanos(delayMicros * 1000), preferred));
  }

  private static int integer(JsonNode node, String field, int missing) {
    JsonNode v = node.path(field);
    if (v.isMissingNode()) {
      if (missing < 0) {
        throw new InvalidInputException("batching." + field + " is required");
      }
      return missing;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
      throw new InvalidInputException("batching." + field + " must be a whole number >= 0");
    }
    return v.intValue();
  }
}
