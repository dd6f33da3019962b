package io.densemesh.runtime;

import java.util.List;
import java.util.Set;

/**
 * A model resident in a runtime. Thread-safe: {@link #infer} runs concurrently. {@link #close()}
 * unloads it; the caller guarantees no inference is running when it closes.
 */
public interface LoadedModel extends AutoCloseable {

  ModelMetadata metadata();

  /** Measured memory the loaded model holds, bytes (not just its file size). */
  long sizeBytes();

  /**
   * Measured GPU memory the loaded model holds, bytes; 0 for a model that runs on the CPU. GPU
   * memory is accounted apart from {@link #sizeBytes()} (host memory) because it is the scarcer
   * resource.
   */
  default long gpuBytes() {
    return 0;
  }

  /** How long the load took, millis (the reload cost eviction policies weigh). */
  long loadMillis();

  /**
   * Runs the model. Inputs have already been validated against {@link #metadata()} by the caller
   * ({@link InputValidator}); implementations still fail cleanly, never crash, on anything else.
   *
   * @param requestedOutputs output names to return; empty means all, in metadata order
   * @return outputs in the order requested (or metadata order)
   */
  List<Tensor> infer(List<Tensor> inputs, Set<String> requestedOutputs);

  @Override
  void close();
}
