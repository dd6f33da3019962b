package io.densemesh.runtime;

import java.nio.file.Path;

/**
 * A model runtime: loads models of some types and runs them. The node's model cache owns loading
 * and unloading decisions; a runtime only does what it is told.
 */
public interface ModelRuntime extends AutoCloseable {

  /** Whether this runtime can load models of the given type (case-insensitive). */
  boolean supports(String modelType);

  RuntimeStatus status();

  /**
   * Loads a model from a local artifact.
   *
   * @param artifact local file or directory holding the model
   * @throws io.densemesh.runtime.error.ModelLoadException with the reason when it cannot load
   */
  LoadedModel load(ModelSpec spec, Path artifact);

  /** A fast, conservative size estimate for a model not loaded yet. */
  long predictSize(ModelSpec spec, Path artifact);

  @Override
  void close();
}
