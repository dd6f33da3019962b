package io.densemesh.runtime.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.densemesh.runtime.DataType;
import io.densemesh.runtime.LoadedModel;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.TensorSpec;
import io.densemesh.runtime.error.InvalidInputException;
import io.densemesh.runtime.error.ModelLoadException;
import io.densemesh.runtime.onnx.OnnxModelRuntime;
import io.densemesh.runtime.onnx.gen.SampleTextModels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The text runtime with real DJL tokenizers and real ONNX Runtime on generated models, checked
 * against the plain-Java reference over the same weights.
 */
class TextModelRuntimeIT {

  private static final long SEED = 11;
  private static TextModelRuntime runtime;
  @TempDir static Path dir;

  /** Short, unknown words and punctuation, longer than the max length (truncated). */
  private static final List<String> TEXTS = List.of(
      "Great movie!",
      "the plot was zorgly , not fun",
      "The movie was very very boring and the acting was awful and the plot was bad");

  @BeforeAll
  static void start() {
    runtime = new TextModelRuntime(new OnnxModelRuntime(1));
  }

  @AfterAll
  static void stop() {
    runtime.close();
  }

  static Tensor strings(long[] shape, String... values) {
    List<byte[]> encoded = new ArrayList<>();
    int size = 0;
    for (String v : values) {
      byte[] b = v.getBytes(StandardCharsets.UTF_8);
      encoded.add(b);
      size += 4 + b.length;
    }
    ByteBuffer data = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    encoded.forEach(b -> data.putInt(b.length).put(b));
    return new Tensor("text", DataType.BYTES, shape, data.flip());
  }

  static float[] floats(Tensor t) {
    ByteBuffer b = t.data();
    float[] out = new float[b.remaining() / 4];
    for (int i = 0; i < out.length; i++) {
      out[i] = b.getFloat();
    }
    return out;
  }

  static List<String> decode(Tensor t) {
    ByteBuffer b = t.data();
    List<String> out = new ArrayList<>();
    while (b.hasRemaining()) {
      byte[] s = new byte[b.getInt()];
      b.get(s);
      out.add(new String(s, StandardCharsets.UTF_8));
    }
    return out;
  }

  private static LoadedModel load(Path model) {
    return runtime.load(new ModelSpec("t", "text", model.toString(), ""), model);
  }

  @Test
  void classifierAnswersTheReferenceForABatchAndDescribesItself() throws Exception {
    Path model = SampleTextModels.writeClassifier(dir.resolve("classifier"), SEED);
    try (LoadedModel m = load(model)) {
      assertThat(m.metadata().inputs())
          .containsExactly(new TensorSpec("text", DataType.BYTES, List.of(-1L)));
      assertThat(m.metadata().outputs()).extracting(TensorSpec::name)
          .containsExactly("logits", "probabilities", "label");
      assertThat(((TextLoadedModel) m).maxLength())
          .isEqualTo(SampleTextModels.CLASSIFIER_MAX_LENGTH);

      List<Tensor> out = m.infer(
          List.of(strings(new long[] {3}, TEXTS.toArray(String[]::new))), Set.of());

      assertThat(out.get(0).shape()).containsExactly(3, 3);
      float[] logits = floats(out.get(0));
      float[] probabilities = floats(out.get(1));
      for (int row = 0; row < TEXTS.size(); row++) {
        float[] expected = SampleTextModels.referenceLogits(SEED, TEXTS.get(row));
        float[] expectedP = SampleTextModels.referenceProbabilities(SEED, TEXTS.get(row));
        for (int c = 0; c < 3; c++) {
          assertThat(logits[row * 3 + c]).as("row %d class %d", row, c)
              .isCloseTo(expected[c], within(1e-5f));
          assertThat(probabilities[row * 3 + c]).isCloseTo(expectedP[c], within(1e-5f));
        }
      }
      assertThat(out.get(2).dataType()).isEqualTo(DataType.BYTES);
      assertThat(out.get(2).shape()).containsExactly(3);
      assertThat(decode(out.get(2))).containsExactly(
          TEXTS.stream().map(t -> SampleTextModels.referenceLabel(SEED, t)).toArray(String[]::new));
    }
  }

  @Test
  void paddingInABatchChangesNoRowAndAColumnShapeIsABatch() throws Exception {
    Path model = SampleTextModels.writeClassifier(dir.resolve("classifier-pad"), SEED);
    try (LoadedModel m = load(model)) {
      float[] alone = floats(m.infer(List.of(strings(new long[] {1}, TEXTS.get(0))),
          Set.of("logits")).get(0));
      float[] batched = floats(m.infer(
          List.of(strings(new long[] {3, 1}, TEXTS.toArray(String[]::new))),
          Set.of("logits")).get(0));
      for (int c = 0; c < 3; c++) {
        assertThat(batched[c]).isCloseTo(alone[c], within(1e-6f));
      }
    }
  }

  @Test
  void onlyTheLabelCanBeRequested() throws Exception {
    Path model = SampleTextModels.writeClassifier(dir.resolve("classifier-label"), SEED);
    try (LoadedModel m = load(model)) {
      List<Tensor> out = m.infer(List.of(strings(new long[] {2}, TEXTS.get(1), TEXTS.get(2))),
          Set.of("label"));
      assertThat(out).hasSize(1);
      assertThat(decode(out.get(0))).containsExactly(
          SampleTextModels.referenceLabel(SEED, TEXTS.get(1)),
          SampleTextModels.referenceLabel(SEED, TEXTS.get(2)));
    }
  }

  @Test
  void fixedSequenceModelIsPaddedToItsLength() throws Exception {
    Path model = SampleTextModels.writeClassifier(dir.resolve("classifier-fixed"), SEED,
        SampleTextModels.CLASSIFIER_MAX_LENGTH);
    try (LoadedModel m = load(model)) {
      float[] logits = floats(m.infer(List.of(strings(new long[] {1}, TEXTS.get(0))),
          Set.of("logits")).get(0));
      float[] expected = SampleTextModels.referenceLogits(SEED, TEXTS.get(0));
      for (int c = 0; c < 3; c++) {
        assertThat(logits[c]).isCloseTo(expected[c], within(1e-5f));
      }
    }
  }

  @Test
  void embedderPoolsUnderTheTokenizersOwnTruncation() throws Exception {
    Path model = SampleTextModels.writeEmbedder(dir.resolve("embedder"), SEED, 5);
    try (LoadedModel m = load(model)) {
      assertThat(m.metadata().outputs())
          .containsExactly(new TensorSpec("embeddings", DataType.FP32,
              List.of(-1L, (long) SampleTextModels.DIM)));
      List<Tensor> out = m.infer(
          List.of(strings(new long[] {2}, TEXTS.get(0), TEXTS.get(2))), Set.of());
      float[] vectors = floats(out.get(0));
      for (int row = 0; row < 2; row++) {
        float[] expected =
            SampleTextModels.referenceEmbedding(SEED, row == 0 ? TEXTS.get(0) : TEXTS.get(2), 5);
        for (int d = 0; d < SampleTextModels.DIM; d++) {
          assertThat(vectors[row * SampleTextModels.DIM + d]).isCloseTo(expected[d],
              within(1e-5f));
        }
      }
    }
  }

  @Test
  void badTextIsInvalidInputAndTheModelKeepsServing() throws Exception {
    Path model = SampleTextModels.writeClassifier(dir.resolve("classifier-bad"), SEED);
    try (LoadedModel m = load(model)) {
      ByteBuffer notUtf8 = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN)
          .putInt(2).put((byte) 0xC3).put((byte) 0x28).flip();
      assertThatThrownBy(() -> m.infer(
          List.of(new Tensor("text", DataType.BYTES, new long[] {1}, notUtf8)), Set.of()))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("not UTF-8");
      assertThatThrownBy(() -> m.infer(List.of(strings(new long[] {0})), Set.of()))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("no strings");
      assertThat(m.infer(List.of(strings(new long[] {1}, "")), Set.of("label"))).hasSize(1);
    }
  }

  @Test
  void brokenDirectoriesFailToLoadWithTheReason() throws Exception {
    Path noTokenizer = Files.createDirectories(dir.resolve("no-tokenizer"));
    Files.copy(SampleTextModels.writeClassifier(dir.resolve("src"), SEED).resolve("model.onnx"),
        noTokenizer.resolve("model.onnx"));
    assertThatThrownBy(() -> load(noTokenizer)).isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("has no tokenizer.json");

    Path badConfig = SampleTextModels.writeClassifier(dir.resolve("bad-config"), SEED);
    Files.writeString(badConfig.resolve("config.json"), "{\"id2label\": {\"0\": \"a\"}}");
    assertThatThrownBy(() -> load(badConfig)).isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("1 labels");

    Path badJson = SampleTextModels.writeClassifier(dir.resolve("bad-json"), SEED);
    Files.writeString(badJson.resolve("tokenizer.json"), "{not json");
    assertThatThrownBy(() -> load(badJson)).isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("tokenizer.json");

    assertThatThrownBy(() -> load(dir.resolve("nothing-here")))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining("does not exist");
  }
}
