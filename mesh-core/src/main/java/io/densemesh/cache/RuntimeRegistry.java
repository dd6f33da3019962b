package io.densemesh.cache;

import io.densemesh.runtime.ModelRuntime;
import io.densemesh.runtime.error.ModelLoadException;
import java.util.List;

/** The runtimes a node has, picked by model type. */
public final class RuntimeRegistry implements AutoCloseable {

  private final List<ModelRuntime> runtimes;

  public RuntimeRegistry(List<ModelRuntime> runtimes) {
    this.runtimes = List.copyOf(runtimes);
  }

  /** @throws ModelLoadException when no runtime loads this type */
  public ModelRuntime forType(String type) {
    for (ModelRuntime runtime : runtimes) {
      if (runtime.supports(type)) {
        return runtime;
      }
    }
    throw new ModelLoadException("no runtime on this node loads model type '" + type + "'");
  }

  public List<ModelRuntime> all() {
    return runtimes;
  }

  @Override
  public void close() {
    runtimes.forEach(ModelRuntime::close);
  }
}
