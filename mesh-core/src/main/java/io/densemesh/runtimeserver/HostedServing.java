package io.densemesh.runtimeserver;

import io.densemesh.runtime.InputValidator;
import io.densemesh.runtime.LoadedModel;
import io.densemesh.runtime.ModelMetadata;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.error.InvalidInputException;
import io.densemesh.serving.Serving;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The runtime server's side of the V2 endpoint. The model is the {@code mm-model-id} header when
 * sent, else the request's model name; only loaded models answer, anything else is NOT_FOUND
 * (which tells a node its copy is stale). Nothing loads on demand here: loading is the node's
 * decision, so timeouts do not apply.
 */
final class HostedServing implements Serving {

  private final HostedModels models;
  private final InputValidator validator;

  HostedServing(HostedModels models, InputValidator validator) {
    this.models = models;
    this.validator = validator;
  }

  /** The model a request names: the {@code mm-model-id} header, else its model name. */
  static ModelSpec named(String name, String version) {
    String header = io.densemesh.grpc.MeshHeaders.modelId();
    String id = header != null ? header : name;
    if (id == null || id.isEmpty()) {
      throw new InvalidInputException("no model named: send mm-model-id or model_name");
    }
    return new ModelSpec(id, "", "", "");
  }

  @Override
  public List<Tensor> infer(ModelSpec model, List<Tensor> inputs, Set<String> outputs,
      Duration timeout) {
    LoadedModel loaded = models.get(model.modelId());
    validator.validate(loaded.metadata(), inputs, outputs);
    return loaded.infer(inputs, outputs);
  }

  @Override
  public ModelMetadata metadata(ModelSpec model, Duration timeout) {
    return models.get(model.modelId()).metadata();
  }

  @Override
  public boolean ready(ModelSpec model) {
    return models.find(model.modelId()).isPresent();
  }
}
