package io.densemesh.protocol;

import io.densemesh.api.inference.InferParameter;
import java.util.HashMap;
import java.util.Map;

/**
 * Which outputs of a REST response travel as binary tensor data, as the binary data extension
 * says: an output's own {@code binary_data} parameter decides; an output without one follows the
 * request's {@code binary_data_output}; without either it is JSON. (KServe's Python server
 * differs in one corner: when the request lists outputs it ignores {@code binary_data_output}
 * for them; DenseMesh follows the extension's text, which Triton implements.)
 */
public final class OutputForms {

  /** Every output as JSON: a request that asks for no binary output. */
  public static final OutputForms JSON = new OutputForms(false, Map.of());

  private final boolean byDefault;
  private final Map<String, Boolean> perOutput;

  private OutputForms(boolean byDefault, Map<String, Boolean> perOutput) {
    this.byDefault = byDefault;
    this.perOutput = perOutput;
  }

  /**
   * @param requestParameters the request's parameters
   * @param outputParameters each requested output's parameters, by output name
   * @throws io.densemesh.runtime.error.InvalidInputException a flag is not a boolean
   */
  public static OutputForms of(Map<String, InferParameter> requestParameters,
      Map<String, Map<String, InferParameter>> outputParameters) {
    Boolean all = BinaryTensorData.flag("the request", BinaryTensorData.BINARY_DATA_OUTPUT,
        requestParameters);
    Map<String, Boolean> each = new HashMap<>();
    outputParameters.forEach((name, params) -> {
      Boolean binary = BinaryTensorData.flag("output '" + name + "'",
          BinaryTensorData.BINARY_DATA, params);
      if (binary != null) {
        each.put(name, binary);
      }
    });
    return new OutputForms(all != null && all, Map.copyOf(each));
  }

  /** Whether the named output goes as binary data. */
  public boolean binary(String output) {
    return perOutput.getOrDefault(output, byDefault);
  }
}
