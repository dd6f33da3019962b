package io.densemesh.runtime.text;

import io.densemesh.runtime.DataType;
import io.densemesh.runtime.ModelMetadata;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.TensorSpec;
import io.densemesh.runtime.error.InvalidInputException;
import io.densemesh.runtime.error.ModelLoadException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The outputs a text model shows its clients, derived from the ONNX model's own outputs: every
 * ONNX output as is, except a transformer's {@code last_hidden_state [batch, seq, dim]}, which
 * becomes mask-weighted mean-pooled {@code embeddings [batch, dim]}; plus {@code label}
 * (BYTES {@code [batch]}, the arg-max class's name) when config.json lists labels.
 */
final class TextOutputs {

  static final String LABEL = "label";
  static final String EMBEDDINGS = "embeddings";
  static final String LAST_HIDDEN_STATE = "last_hidden_state";

  private final List<String> labels;
  /** Output the labels are taken from (logits, else probabilities), or null. */
  private final String labelSource;
  private final boolean pools;
  private final List<TensorSpec> specs;

  private TextOutputs(List<String> labels, String labelSource, boolean pools,
      List<TensorSpec> specs) {
    this.labels = labels;
    this.labelSource = labelSource;
    this.pools = pools;
    this.specs = specs;
  }

  static TextOutputs of(ModelMetadata onnx, List<String> labels) {
    List<TensorSpec> specs = new ArrayList<>();
    boolean pools = false;
    for (TensorSpec spec : onnx.outputs()) {
      if (spec.name().equals(LAST_HIDDEN_STATE) && spec.rank() == 3
          && spec.dataType() == DataType.FP32) {
        pools = true;
        specs.add(new TensorSpec(EMBEDDINGS, DataType.FP32, List.of(-1L, spec.shape().get(2))));
      } else {
        specs.add(spec);
      }
    }
    String source = null;
    if (!labels.isEmpty()) {
      source = labelSource(onnx, "logits", labels.size());
      if (source == null) {
        source = labelSource(onnx, "probabilities", labels.size());
      }
      if (source == null) {
        throw new ModelLoadException(
            "config.json lists " + labels.size() + " labels but the model has no FP32 'logits'"
                + " or 'probabilities' output [batch, " + labels.size() + "]");
      }
      specs.add(new TensorSpec(LABEL, DataType.BYTES, List.of(-1L)));
    }
    return new TextOutputs(List.copyOf(labels), source, pools, List.copyOf(specs));
  }

  private static String labelSource(ModelMetadata onnx, String name, int classes) {
    return onnx.output(name)
        .filter(s -> s.dataType() == DataType.FP32 && s.rank() == 2)
        .filter(s -> s.shape().get(1) < 0 || s.shape().get(1) == classes)
        .map(TensorSpec::name)
        .orElse(null);
  }

  List<TensorSpec> specs() {
    return specs;
  }

  /** Output names to return, in request order (or metadata order when none is requested). */
  List<String> order(Set<String> requested) {
    if (requested.isEmpty()) {
      return specs.stream().map(TensorSpec::name).toList();
    }
    for (String name : requested) {
      if (specs.stream().noneMatch(s -> s.name().equals(name))) {
        throw new InvalidInputException("unknown requested output '" + name + "'");
      }
    }
    return List.copyOf(requested);
  }

  /** The ONNX outputs needed to produce {@code names}. */
  Set<String> onnxOutputs(List<String> names) {
    Set<String> needed = new LinkedHashSet<>();
    for (String name : names) {
      if (name.equals(LABEL)) {
        needed.add(labelSource);
      } else if (pools && name.equals(EMBEDDINGS)) {
        needed.add(LAST_HIDDEN_STATE);
      } else {
        needed.add(name);
      }
    }
    return needed;
  }

  List<Tensor> produce(List<String> names, List<Tensor> onnxOutputs, TokenBatch batch) {
    Map<String, Tensor> byName = new LinkedHashMap<>();
    for (Tensor t : onnxOutputs) {
      byName.put(t.name(), t);
    }
    List<Tensor> out = new ArrayList<>(names.size());
    for (String name : names) {
      if (name.equals(LABEL)) {
        out.add(labels(byName.get(labelSource)));
      } else if (pools && name.equals(EMBEDDINGS)) {
        out.add(meanPool(byName.get(LAST_HIDDEN_STATE), batch));
      } else {
        out.add(byName.get(name));
      }
    }
    return out;
  }

  private Tensor labels(Tensor scores) {
    int rows = Math.toIntExact(scores.dim(0));
    int classes = Math.toIntExact(scores.dim(1));
    ByteBuffer data = scores.data();
    ByteArrayOutputStream encoded = new ByteArrayOutputStream();
    ByteBuffer prefix = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    for (int r = 0; r < rows; r++) {
      int best = 0;
      for (int c = 1; c < classes; c++) {
        if (data.getFloat((r * classes + c) * 4) > data.getFloat((r * classes + best) * 4)) {
          best = c;
        }
      }
      byte[] label = labels.get(best).getBytes(StandardCharsets.UTF_8);
      encoded.writeBytes(prefix.clear().putInt(label.length).array());
      encoded.writeBytes(label);
    }
    return new Tensor(LABEL, DataType.BYTES, new long[] {rows},
        ByteBuffer.wrap(encoded.toByteArray()));
  }

  /** Mean of the token vectors whose attention mask is 1. */
  private static Tensor meanPool(Tensor hidden, TokenBatch batch) {
    int rows = Math.toIntExact(hidden.dim(0));
    int seq = Math.toIntExact(hidden.dim(1));
    int dim = Math.toIntExact(hidden.dim(2));
    ByteBuffer in = hidden.data();
    ByteBuffer out = ByteBuffer.allocate(rows * dim * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int r = 0; r < rows; r++) {
      double[] sum = new double[dim];
      int count = 0;
      for (int t = 0; t < seq; t++) {
        if (batch.mask(r, t) == 0) {
          continue;
        }
        count++;
        for (int d = 0; d < dim; d++) {
          sum[d] += in.getFloat(((r * seq + t) * dim + d) * 4);
        }
      }
      for (int d = 0; d < dim; d++) {
        out.putFloat(count == 0 ? 0f : (float) (sum[d] / count));
      }
    }
    return new Tensor(EMBEDDINGS, DataType.FP32, new long[] {rows, dim}, out.flip());
  }
}
