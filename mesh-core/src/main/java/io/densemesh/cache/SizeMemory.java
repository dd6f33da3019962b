package io.densemesh.cache;

import io.densemesh.placement.SizePredictor;
import io.densemesh.runtime.ModelSpec;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * What a load reserves before it runs: the model's own earlier measurement; else what models of
 * the same type and similar file size measured ({@link SizePredictor}); else the runtime's
 * conservative estimate. GPU memory is reserved only from the model's own earlier measurement
 * (0 before its first load). One record per model id (the registered models'), forgotten when
 * the model is unloaded.
 */
final class SizeMemory {

  private final Map<String, Long> measured = new ConcurrentHashMap<>();
  private final Map<String, Long> measuredGpu = new ConcurrentHashMap<>();
  private final SizePredictor similar = new SizePredictor();

  /** Host bytes to reserve for loading {@code spec} from a file of {@code fileBytes}. */
  long predictBytes(ModelSpec spec, long fileBytes, LongSupplier runtimeEstimate) {
    Long before = measured.get(spec.modelId());
    return before != null ? before
        : similar.predict(spec.type(), fileBytes).orElseGet(runtimeEstimate);
  }

  /** GPU bytes to reserve: the model's last measurement, 0 when it never loaded here. */
  long predictGpuBytes(String modelId) {
    return measuredGpu.getOrDefault(modelId, 0L);
  }

  /** A load of {@code spec} from {@code fileBytes} measured {@code bytes} and {@code gpuBytes}. */
  void observe(ModelSpec spec, long fileBytes, long bytes, long gpuBytes) {
    measured.put(spec.modelId(), bytes);
    similar.observe(spec.type(), fileBytes, bytes);
    measuredGpu.put(spec.modelId(), gpuBytes);
  }

  /** Forgets the model's own measurements (it was unregistered or registered anew). */
  void forget(String modelId) {
    measured.remove(modelId);
    measuredGpu.remove(modelId);
  }
}
