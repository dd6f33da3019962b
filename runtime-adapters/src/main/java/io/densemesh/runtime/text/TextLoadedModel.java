package io.densemesh.runtime.text;

import io.densemesh.runtime.DataType;
import io.densemesh.runtime.LoadedModel;
import io.densemesh.runtime.ModelMetadata;
import io.densemesh.runtime.ResidentModel;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.TensorSpec;
import io.densemesh.runtime.error.InvalidInputException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A loaded text model: strings in, tokenized as one padded batch, run by the ONNX model, outputs
 * shaped by {@link TextOutputs}. Holds the ONNX session and the native tokenizer; closing
 * releases both.
 */
final class TextLoadedModel extends ResidentModel {

  /** The one input a text model shows its clients. */
  static final String TEXT = "text";
  static final String PLATFORM = "densemesh_text_onnx";

  private final LoadedModel onnx;
  private final TextTokenizer tokenizer;
  private final TextInputs inputs;
  private final TextOutputs outputs;

  TextLoadedModel(LoadedModel onnx, TextTokenizer tokenizer, TextInputs inputs,
      TextOutputs outputs, long sizeBytes, long loadMillis) {
    super(new ModelMetadata(PLATFORM,
        List.of(new TensorSpec(TEXT, DataType.BYTES, List.of(-1L))), outputs.specs()),
        sizeBytes, 0, loadMillis);
    this.onnx = onnx;
    this.tokenizer = tokenizer;
    this.inputs = inputs;
    this.outputs = outputs;
  }

  int maxLength() {
    return tokenizer.maxLength();
  }

  @Override
  public List<Tensor> infer(List<Tensor> in, Set<String> requestedOutputs) {
    if (in.size() != 1 || !in.get(0).name().equals(TEXT)
        || in.get(0).dataType() != DataType.BYTES) {
      throw new InvalidInputException("a text model takes one BYTES input named '" + TEXT + "'");
    }
    List<String> texts = strings(in.get(0));
    if (texts.isEmpty()) {
      throw new InvalidInputException("input '" + TEXT + "' holds no strings");
    }
    List<String> names = outputs.order(requestedOutputs);
    TokenBatch batch = tokenizer.encode(texts);
    List<Tensor> onnxOut =
        onnx.infer(inputs.tensors(batch), new LinkedHashSet<>(outputs.onnxOutputs(names)));
    return outputs.produce(names, onnxOut, batch);
  }

  /** Decodes BYTES elements as strict UTF-8. */
  private static List<String> strings(Tensor tensor) {
    ByteBuffer data = tensor.data();
    long count = tensor.elementCount();
    List<String> out = new ArrayList<>((int) Math.min(count, 1024));
    var decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    for (long i = 0; i < count; i++) {
      if (data.remaining() < 4) {
        throw new InvalidInputException("input '" + TEXT + "' holds fewer strings than its shape");
      }
      int len = data.getInt();
      if (len < 0 || len > data.remaining()) {
        throw new InvalidInputException("input '" + TEXT + "' string " + i + " is truncated");
      }
      ByteBuffer bytes = data.slice().limit(len);
      data.position(data.position() + len);
      try {
        out.add(decoder.decode(bytes).toString());
      } catch (CharacterCodingException e) {
        throw new InvalidInputException("input '" + TEXT + "' string " + i + " is not UTF-8");
      }
    }
    return out;
  }

  @Override
  protected void release() {
    try {
      onnx.close();
    } finally {
      tokenizer.close();
    }
  }
}
