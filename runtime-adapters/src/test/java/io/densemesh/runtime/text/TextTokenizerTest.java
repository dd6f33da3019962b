package io.densemesh.runtime.text;

import static org.assertj.core.api.Assertions.assertThat;

import io.densemesh.runtime.onnx.gen.SampleTextModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The native tokenizer against the plain-Java reference: ids, truncation, batch padding. */
class TextTokenizerTest {

  @TempDir Path dir;

  private Path tokenizerJson() throws Exception {
    Path file = dir.resolve("tokenizer.json");
    Files.writeString(file, SampleTextModels.tokenizerJson(0));
    return file;
  }

  @Test
  void batchIsPaddedToItsLongestRowAndTruncatedAtTheMaxLength() throws Exception {
    List<String> texts = List.of("Good!", "the movie was not very good , the plot was bad",
        "zorgly fun");
    try (TextTokenizer tokenizer = TextTokenizer.open(tokenizerJson(), 6, false)) {
      TokenBatch batch = tokenizer.encode(texts);
      assertThat(batch.rows()).isEqualTo(3);
      assertThat(batch.length()).isEqualTo(6);
      for (int row = 0; row < 3; row++) {
        long[] expected = SampleTextModels.referenceIds(texts.get(row), 6);
        long[] ids = Arrays.copyOfRange(batch.ids(), row * 6, row * 6 + 6);
        long[] mask = Arrays.copyOfRange(batch.attentionMask(), row * 6, row * 6 + 6);
        for (int t = 0; t < 6; t++) {
          assertThat(ids[t]).as("row %d token %d", row, t)
              .isEqualTo(t < expected.length ? expected[t] : 0);
          assertThat(mask[t]).isEqualTo(t < expected.length ? 1 : 0);
        }
      }
      // "Good!" is [CLS] good ! [SEP]; "zorgly" is unknown.
      assertThat(Arrays.copyOfRange(batch.ids(), 0, 4)).containsExactly(2, 7, 17, 3);
      assertThat(Arrays.copyOfRange(batch.ids(), 12, 16)).containsExactly(2, 1, 16, 3);
    }
  }

  @Test
  void shortBatchIsPaddedOnlyToItsLongestRow() throws Exception {
    try (TextTokenizer tokenizer = TextTokenizer.open(tokenizerJson(), 512, false)) {
      TokenBatch batch = tokenizer.encode(List.of("good", "bad movie"));
      assertThat(batch.length()).isEqualTo(4);
      assertThat(batch.ids()).containsExactly(2, 7, 3, 0, 2, 9, 5, 3);
      assertThat(batch.attentionMask()).containsExactly(1, 1, 1, 0, 1, 1, 1, 1);
    }
  }

  @Test
  void fixedLengthPadsEveryBatchToTheMaxLength() throws Exception {
    try (TextTokenizer tokenizer = TextTokenizer.open(tokenizerJson(), 8, true)) {
      TokenBatch batch = tokenizer.encode(List.of("good"));
      assertThat(batch.length()).isEqualTo(8);
      assertThat(batch.ids()).containsExactly(2, 7, 3, 0, 0, 0, 0, 0);
    }
  }

  /** One tokenizer serves every request of a model at once: concurrent batches stay correct. */
  @Test
  void concurrentBatchesEncodeAsTheyDoAlone() throws Exception {
    List<List<String>> batches = List.of(List.of("good"), List.of("the plot was bad", "fun !"),
        List.of("not very good , awful acting and a boring plot"), List.of("zorgly", "", "."));
    try (TextTokenizer tokenizer = TextTokenizer.open(tokenizerJson(), 8, false)) {
      List<TokenBatch> alone = batches.stream().map(tokenizer::encode).toList();
      var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
      try {
        List<java.util.concurrent.Future<Boolean>> results = new java.util.ArrayList<>();
        for (int i = 0; i < 400; i++) {
          int b = i % batches.size();
          results.add(pool.submit(() -> {
            TokenBatch batch = tokenizer.encode(batches.get(b));
            return Arrays.equals(batch.ids(), alone.get(b).ids())
                && Arrays.equals(batch.attentionMask(), alone.get(b).attentionMask());
          }));
        }
        for (var result : results) {
          assertThat(result.get()).isTrue();
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }
}
