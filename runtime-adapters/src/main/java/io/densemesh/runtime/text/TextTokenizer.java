package io.densemesh.runtime.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.densemesh.runtime.error.InvalidInputException;
import io.densemesh.runtime.error.ModelLoadException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A HuggingFace tokenizer (native, through DJL) set up for one model: special tokens added,
 * truncation at the model's max length, and padding either to the longest string of the batch
 * (dynamic sequence dimension) or to the max length (fixed one). The native tokenizer is
 * thread-safe for encoding; its settings are fixed at construction.
 */
final class TextTokenizer implements AutoCloseable {

  private final HuggingFaceTokenizer tokenizer;
  private final int maxLength;

  private TextTokenizer(HuggingFaceTokenizer tokenizer, int maxLength) {
    this.tokenizer = tokenizer;
    this.maxLength = maxLength;
  }

  static TextTokenizer open(Path tokenizerJson, int maxLength, boolean padToMaxLength) {
    HuggingFaceTokenizer.Builder builder =
        HuggingFaceTokenizer.builder()
            .optTokenizerPath(tokenizerJson)
            .optAddSpecialTokens(true)
            .optTruncation(true)
            .optMaxLength(maxLength);
    if (padToMaxLength) {
      builder.optPadToMaxLength();
    } else {
      builder.optPadding(true);
    }
    try {
      return new TextTokenizer(builder.build(), maxLength);
    } catch (IOException | RuntimeException e) {
      throw new ModelLoadException(
          "cannot load tokenizer " + tokenizerJson.getFileName() + ": " + e.getMessage(), e);
    }
  }

  int maxLength() {
    return maxLength;
  }

  /** Tokenizes a batch into one padded {@code [rows, length]} block. */
  TokenBatch encode(List<String> texts) {
    Encoding[] encodings;
    try {
      encodings = tokenizer.batchEncode(texts);
    } catch (RuntimeException e) {
      throw new InvalidInputException("tokenizing the input failed: " + e.getMessage(), e);
    }
    int rows = encodings.length;
    int length = 0;
    for (Encoding e : encodings) {
      length = Math.max(length, e.getIds().length);
    }
    long[] ids = new long[rows * length];
    long[] mask = new long[rows * length];
    long[] types = new long[rows * length];
    for (int r = 0; r < rows; r++) {
      // Every row has the batch length already (the tokenizer pads); copying by each row's own
      // length keeps a shorter row padded with id 0 / mask 0 should that ever differ.
      long[] rowIds = encodings[r].getIds();
      System.arraycopy(rowIds, 0, ids, r * length, rowIds.length);
      long[] rowMask = encodings[r].getAttentionMask();
      System.arraycopy(rowMask, 0, mask, r * length, rowMask.length);
      long[] rowTypes = encodings[r].getTypeIds();
      System.arraycopy(rowTypes, 0, types, r * length, rowTypes.length);
    }
    return new TokenBatch(rows, length, ids, mask, types);
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
