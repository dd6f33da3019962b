package io.densemesh.runtime.text;

import io.densemesh.runtime.DataType;
import io.densemesh.runtime.ModelMetadata;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.TensorSpec;
import io.densemesh.runtime.error.ModelLoadException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The token inputs an ONNX text model declares ({@code input_ids}, and optionally
 * {@code attention_mask} and {@code token_type_ids}, INT64 or INT32 {@code [batch, sequence]}),
 * and how a {@link TokenBatch} becomes those tensors.
 */
final class TextInputs {

  static final String INPUT_IDS = "input_ids";
  static final String ATTENTION_MASK = "attention_mask";
  static final String TOKEN_TYPE_IDS = "token_type_ids";

  private final List<TensorSpec> specs;
  private final long fixedLength;

  private TextInputs(List<TensorSpec> specs, long fixedLength) {
    this.specs = specs;
    this.fixedLength = fixedLength;
  }

  /** @throws ModelLoadException when the model takes anything else */
  static TextInputs of(ModelMetadata onnx) {
    if (onnx.input(INPUT_IDS).isEmpty()) {
      throw new ModelLoadException(
          "a text model must take '" + INPUT_IDS + "'; this one takes " + names(onnx.inputs()));
    }
    long fixed = -1;
    for (TensorSpec spec : onnx.inputs()) {
      String name = spec.name();
      if (!name.equals(INPUT_IDS) && !name.equals(ATTENTION_MASK)
          && !name.equals(TOKEN_TYPE_IDS)) {
        throw new ModelLoadException(
            "text model input '" + name + "' is not one the tokenizer produces (" + INPUT_IDS
                + ", " + ATTENTION_MASK + ", " + TOKEN_TYPE_IDS + ")");
      }
      if (spec.rank() != 2 || (spec.dataType() != DataType.INT64
          && spec.dataType() != DataType.INT32)) {
        throw new ModelLoadException(
            "text model input '" + name + "' must be INT64 or INT32 [batch, sequence], it is "
                + spec.dataType() + " " + spec.shape());
      }
      long length = spec.shape().get(1);
      if (length > 0) {
        if (fixed > 0 && fixed != length) {
          throw new ModelLoadException("text model inputs disagree on the sequence length");
        }
        fixed = length;
      }
    }
    return new TextInputs(List.copyOf(onnx.inputs()), fixed);
  }

  /** The sequence length the model fixes, or -1 when it is dynamic. */
  long fixedLength() {
    return fixedLength;
  }

  List<Tensor> tensors(TokenBatch batch) {
    List<Tensor> out = new ArrayList<>(specs.size());
    for (TensorSpec spec : specs) {
      long[] values = switch (spec.name()) {
        case INPUT_IDS -> batch.ids();
        case ATTENTION_MASK -> batch.attentionMask();
        default -> batch.typeIds();
      };
      out.add(tensor(spec, batch, values));
    }
    return out;
  }

  private static Tensor tensor(TensorSpec spec, TokenBatch batch, long[] values) {
    boolean wide = spec.dataType() == DataType.INT64;
    ByteBuffer data = ByteBuffer.allocateDirect(values.length * (wide ? 8 : 4))
        .order(ByteOrder.LITTLE_ENDIAN);
    for (long v : values) {
      if (wide) {
        data.putLong(v);
      } else {
        data.putInt(Math.toIntExact(v));
      }
    }
    return new Tensor(spec.name(), spec.dataType(), new long[] {batch.rows(), batch.length()},
        data.flip());
  }

  private static List<String> names(List<TensorSpec> specs) {
    return specs.stream().map(TensorSpec::name).toList();
  }
}
