package io.densemesh.protocol;

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
   * The forms a request asks for: its {@code binary_data_output} and each requested output's
   * {@code binary_data}.
   *
   * @throws io.densemesh.runtime.error.InvalidInputException a flag is not a boolean
   */
  public static OutputForms of(InferRequest request) {
    Boolean all = BinaryTensorData.flag("the request", BinaryTensorData.BINARY_DATA_OUTPUT,
        request.parameters());
    Map<String, Boolean> each = new HashMap<>();
    for (InferRequest.RequestedOutput output : request.outputs()) {
      Boolean binary = BinaryTensorData.flag("output '" + output.name() + "'",
          BinaryTensorData.BINARY_DATA, output.parameters());
      if (binary != null) {
        each.put(output.name(), binary);
      }
    }
    return new OutputForms(all != null && all, Map.copyOf(each));
  }

  /** Whether the named output goes as binary data. */
  public boolean binary(String output) {
    return perOutput.getOrDefault(output, byDefault);
  }
}
