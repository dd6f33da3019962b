package io.densemesh.serving;

import io.densemesh.runtime.ModelMetadata;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.Tensor;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** Inference for protocol front ends: on this node ({@link ModelServing}) or wherever the mesh routes it. */
public interface Serving {

  /** @param timeout the caller's remaining deadline, or null for the configured load timeout */
  List<Tensor> infer(ModelSpec model, List<Tensor> inputs, Set<String> outputs, Duration timeout);

  ModelMetadata metadata(ModelSpec model, Duration timeout);

  /** Whether the model can serve right now without a load. */
  boolean ready(ModelSpec model);
}
