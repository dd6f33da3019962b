package io.densemesh.runtime.text;

import io.densemesh.runtime.LoadedModel;
import io.densemesh.runtime.ModelRuntime;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.RuntimeStatus;
import io.densemesh.runtime.error.ModelLoadException;
import io.densemesh.runtime.onnx.OnnxModelRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * Text models (type {@code text}) on the embedded ONNX runtime.
 *
 * <p>The ONNX graph is loaded by {@link OnnxModelRuntime} (same session options, size measurement
 * and input checks); this runtime adds the tokenizer in front and the label/pooling step behind.
 * The max length is the smallest of the model's fixed sequence dimension, config.json's
 * {@code max_position_embeddings} and the tokenizer's own truncation length (512 when none is
 * given). A batch is padded to its longest string, or to the max length when the model fixes the
 * sequence dimension.
 */
public final class TextModelRuntime implements ModelRuntime {

  public static final String TYPE = "text";
  static final int DEFAULT_MAX_LENGTH = 512;

  private final OnnxModelRuntime onnx;

  /** @param onnx the embedded ONNX runtime that runs the graphs (shared, not closed here) */
  public TextModelRuntime(OnnxModelRuntime onnx) {
    this.onnx = onnx;
  }

  @Override
  public boolean supports(String modelType) {
    return modelType != null && TYPE.equals(modelType.toLowerCase(Locale.ROOT));
  }

  @Override
  public RuntimeStatus status() {
    RuntimeStatus base = onnx.status();
    return new RuntimeStatus("text (" + base.name() + ", HuggingFace tokenizers)", Set.of(TYPE),
        base.maxLoadingConcurrency(), base.defaultModelSizeBytes());
  }

  @Override
  public LoadedModel load(ModelSpec spec, Path artifact) {
    long started = System.nanoTime();
    TextModelFiles files = TextModelFiles.locate(artifact);
    TextModelConfig config = TextModelConfig.read(files);
    LoadedModel graph = onnx.load(spec, files.model());
    TextTokenizer tokenizer = null;
    try {
      TextInputs inputs = TextInputs.of(graph.metadata());
      TextOutputs outputs = TextOutputs.of(graph.metadata(), config.labels());
      boolean fixed = inputs.fixedLength() > 0;
      int maxLength = fixed ? Math.toIntExact(inputs.fixedLength()) : maxLength(config);
      tokenizer = TextTokenizer.open(files.tokenizer(), maxLength, fixed);
      long size = graph.sizeBytes() + tokenizerFootprint(files.tokenizer());
      return new TextLoadedModel(graph, tokenizer, inputs, outputs, size,
          (System.nanoTime() - started) / 1_000_000);
    } catch (RuntimeException e) {
      graph.close();
      if (tokenizer != null) {
        tokenizer.close();
      }
      throw e;
    }
  }

  static int maxLength(TextModelConfig config) {
    int length = Integer.MAX_VALUE;
    for (int declared : new int[] {config.maxPositions(), config.tokenizerTruncation()}) {
      if (declared > 0) {
        length = Math.min(length, declared);
      }
    }
    return length == Integer.MAX_VALUE ? DEFAULT_MAX_LENGTH : length;
  }

  @Override
  public long predictSize(ModelSpec spec, Path artifact) {
    TextModelFiles files = TextModelFiles.locate(artifact);
    return onnx.predictSize(spec, files.model()) + tokenizerFootprint(files.tokenizer());
  }

  /** The native tokenizer holds its vocabulary and merges: about twice the JSON it came from. */
  private static long tokenizerFootprint(Path tokenizerJson) {
    try {
      return Files.size(tokenizerJson) * 2;
    } catch (IOException e) {
      throw new ModelLoadException("cannot read " + tokenizerJson + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    // The ONNX runtime is shared and closed by its owner; models close their own tokenizers.
  }
}
