package io.densemesh.runtime.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.densemesh.runtime.ModelMetadata;
import io.densemesh.runtime.ResidentModel;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.TensorSpec;
import io.densemesh.runtime.error.InvalidInputException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One ORT session. Every native tensor created for a request is closed in a finally block, so an
 * error on any path leaks no native memory.
 */
final class OnnxLoadedModel extends ResidentModel {

  private final OrtEnvironment env;
  private final OrtSession session;
  private final Set<String> allOutputs;

  OnnxLoadedModel(
      OrtEnvironment env,
      OrtSession session,
      ModelMetadata metadata,
      long sizeBytes,
      long gpuBytes,
      long loadMillis) {
    super(metadata, sizeBytes, gpuBytes, loadMillis);
    this.env = env;
    this.session = session;
    Set<String> outputs = new LinkedHashSet<>();
    for (TensorSpec spec : metadata.outputs()) {
      outputs.add(spec.name());
    }
    this.allOutputs = Set.copyOf(outputs);
  }

  @Override
  public List<Tensor> infer(List<Tensor> inputs, Set<String> requestedOutputs) {
    List<String> outputNames = outputOrder(requestedOutputs);
    Map<String, OnnxTensor> feeds = new HashMap<>(inputs.size() * 2);
    try {
      for (Tensor input : inputs) {
        feeds.put(input.name(), OnnxTensors.toOnnx(env, input));
      }
      try (OrtSession.Result result = session.run(feeds, new LinkedHashSet<>(outputNames))) {
        List<Tensor> outputs = new ArrayList<>(outputNames.size());
        for (String name : outputNames) {
          OnnxValue value =
              result
                  .get(name)
                  .orElseThrow(() -> new InvalidInputException("model produced no '" + name + "'"));
          outputs.add(OnnxTensors.fromOnnx(name, value));
        }
        return outputs;
      }
    } catch (OrtException e) {
      // Inputs were validated against the metadata; what ORT still rejects is a value the graph
      // cannot take (e.g. a dynamic dimension its operators disagree with).
      throw new InvalidInputException("the model rejected the input: " + e.getMessage(), e);
    } finally {
      for (OnnxTensor tensor : feeds.values()) {
        tensor.close();
      }
    }
  }

  private List<String> outputOrder(Set<String> requested) {
    if (requested.isEmpty()) {
      return metadata().outputs().stream().map(TensorSpec::name).toList();
    }
    for (String name : requested) {
      if (!allOutputs.contains(name)) {
        throw new InvalidInputException("unknown requested output '" + name + "'");
      }
    }
    return List.copyOf(requested);
  }

  @Override
  protected void release() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException("closing ONNX session failed: " + e.getMessage(), e);
    }
  }
}
