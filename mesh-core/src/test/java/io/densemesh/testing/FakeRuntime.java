package io.densemesh.testing;

import io.densemesh.runtime.DataType;
import io.densemesh.runtime.LoadedModel;
import io.densemesh.runtime.ModelMetadata;
import io.densemesh.runtime.ModelRuntime;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.RuntimeStatus;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.TensorSpec;
import io.densemesh.runtime.error.ModelLoadException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A runtime for cache tests: type {@code fake}; a model's size is set per id (default 100 bytes),
 * and its GPU size too (default 0: a CPU model); loads can be made to fail or to block until
 * released; counts loads and closes.
 */
public final class FakeRuntime implements ModelRuntime {

  public final Map<String, Long> sizes = new ConcurrentHashMap<>();
  public final Map<String, Long> gpuSizes = new ConcurrentHashMap<>();
  public final Map<String, String> failures = new ConcurrentHashMap<>();
  /** A JVM Error the load of a model throws (out of memory, say). */
  public final Map<String, Error> errors = new ConcurrentHashMap<>();
  public final Map<String, AtomicInteger> loads = new ConcurrentHashMap<>();
  public final Set<String> open = ConcurrentHashMap.newKeySet();
  public volatile CountDownLatch gate = new CountDownLatch(0);
  /** Names of the threads inference ran on. */
  public final Set<String> inferThreads = ConcurrentHashMap.newKeySet();

  @Override
  public boolean supports(String modelType) {
    return "fake".equals(modelType);
  }

  @Override
  public RuntimeStatus status() {
    return new RuntimeStatus("fake", Set.of("fake"), 4, 100);
  }

  public int loadsOf(String id) {
    AtomicInteger n = loads.get(id);
    return n == null ? 0 : n.get();
  }

  @Override
  public LoadedModel load(ModelSpec spec, Path artifact) {
    loads.computeIfAbsent(spec.modelId(), k -> new AtomicInteger()).incrementAndGet();
    try {
      gate.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Error error = errors.get(spec.modelId());
    if (error != null) {
      throw error;
    }
    String failure = failures.get(spec.modelId());
    if (failure != null) {
      throw new ModelLoadException(failure);
    }
    long size = sizes.getOrDefault(spec.modelId(), 100L);
    long gpu = gpuSizes.getOrDefault(spec.modelId(), 0L);
    open.add(spec.modelId());
    String id = spec.modelId();
    return new LoadedModel() {
      @Override
      public ModelMetadata metadata() {
        return new ModelMetadata("fake", List.of(new TensorSpec("x", DataType.FP32,
            List.of(-1L))), List.of(new TensorSpec("y", DataType.FP32, List.of(-1L))));
      }

      @Override
      public long sizeBytes() {
        return size;
      }

      @Override
      public long gpuBytes() {
        return gpu;
      }

      @Override
      public long loadMillis() {
        return 5;
      }

      @Override
      public List<Tensor> infer(List<Tensor> inputs, Set<String> requestedOutputs) {
        inferThreads.add(Thread.currentThread().getName());
        return List.of(new Tensor("y", DataType.FP32, inputs.get(0).shape(),
            inputs.get(0).data()));
      }

      @Override
      public void close() {
        open.remove(id);
      }
    };
  }

  @Override
  public long predictSize(ModelSpec spec, Path artifact) {
    return sizes.getOrDefault(spec.modelId(), 100L);
  }

  @Override
  public void close() {}
}
