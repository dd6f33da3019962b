package io.densemesh.serving;

import io.densemesh.cache.ModelCache;
import io.densemesh.cache.ModelLease;
import io.densemesh.runtime.InputValidator;
import io.densemesh.runtime.ModelMetadata;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.Tensor;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Runs inference for any protocol: lease the model (loading it if needed), validate the inputs
 * against the model's own metadata, run, release.
 */
public final class ModelServing implements Serving {

  private final ModelCache cache;
  private final InputValidator validator;
  private final Duration loadTimeout;

  public ModelServing(ModelCache cache, InputValidator validator, Duration loadTimeout) {
    this.cache = cache;
    this.validator = validator;
    this.loadTimeout = loadTimeout;
  }

  @Override
  public List<Tensor> infer(ModelSpec model, List<Tensor> inputs, Set<String> outputs,
      Duration timeout) {
    try (ModelLease lease = cache.acquire(model, bounded(timeout))) {
      validator.validate(lease.model().metadata(), inputs, outputs);
      return lease.model().infer(inputs, outputs);
    }
  }

  @Override
  public ModelMetadata metadata(ModelSpec model, Duration timeout) {
    try (ModelLease lease = cache.acquire(model, bounded(timeout))) {
      return lease.model().metadata();
    }
  }

  @Override
  public boolean ready(ModelSpec model) {
    return cache.isLoaded(model.modelId());
  }

  private Duration bounded(Duration timeout) {
    return timeout == null || timeout.compareTo(loadTimeout) > 0 ? loadTimeout : timeout;
  }
}
