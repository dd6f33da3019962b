package io.densemesh.runtime.onnx.gen;

import com.google.gson.GsonBuilder;
import io.densemesh.runtime.DataType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Small text models in the layout the {@code text} runtime loads: a directory with
 * {@code model.onnx}, a hand-written HuggingFace {@code tokenizer.json} (WordLevel model,
 * lower-casing normalizer, whitespace pre-tokenizer, {@code [CLS] $A [SEP]} template) and, for the
 * classifier, a {@code config.json} with {@code id2label} and {@code max_position_embeddings}.
 *
 * <p>The graph is a bag-of-embeddings model: {@code Gather} the token embeddings by
 * {@code input_ids}, mean-pool them under {@code attention_mask} (so padding never changes a
 * result), then for the classifier {@code MatMul + Add} to logits and {@code Softmax}. Weights
 * derive from a seed and are exposed so tests can compute reference outputs independently.
 */
public final class SampleTextModels {

  /** Token ids are the positions in this list; 0..3 are the special tokens. */
  public static final List<String> VOCABULARY =
      List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "movie", "was", "good", "great", "bad",
          "awful", "not", "very", "plot", "acting", "boring", "fun", "!", ".", ",");
  /** Class labels of the classifier, in logit order. */
  public static final List<String> LABELS = List.of("negative", "neutral", "positive");
  /** Embedding width. */
  public static final int DIM = 4;
  /** The classifier's {@code max_position_embeddings} (special tokens included). */
  public static final int CLASSIFIER_MAX_LENGTH = 8;

  public static final String INPUT_IDS = "input_ids";
  public static final String ATTENTION_MASK = "attention_mask";
  public static final String LOGITS = "logits";
  public static final String PROBABILITIES = "probabilities";
  public static final String EMBEDDINGS = "embeddings";

  /** What HuggingFace's {@code Whitespace} pre-tokenizer splits on. */
  private static final Pattern WORDS = Pattern.compile("\\w+|[^\\w\\s]+");

  private SampleTextModels() {}

  /**
   * Writes a 3-class classifier: outputs {@code logits} and {@code probabilities} FP32
   * {@code [-1, 3]}; {@code config.json} carries the labels and a max length of
   * {@link #CLASSIFIER_MAX_LENGTH}; the tokenizer itself sets no truncation or padding.
   */
  public static Path writeClassifier(Path dir, long seed) throws IOException {
    return writeClassifier(dir, seed, -1);
  }

  /**
   * As {@link #writeClassifier(Path, long)}, with the sequence dimension of the model's inputs
   * fixed at {@code sequenceLength} (-1 keeps it dynamic).
   */
  public static Path writeClassifier(Path dir, long seed, int sequenceLength) throws IOException {
    Files.createDirectories(dir);
    Files.write(dir.resolve("model.onnx"), classifierOnnx(seed, sequenceLength));
    Files.writeString(dir.resolve("tokenizer.json"), tokenizerJson(0));
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("model_type", "densemesh-bag-of-embeddings");
    config.put("max_position_embeddings", CLASSIFIER_MAX_LENGTH);
    Map<String, String> id2label = new LinkedHashMap<>();
    for (int i = 0; i < LABELS.size(); i++) {
      id2label.put(Integer.toString(i), LABELS.get(i));
    }
    config.put("id2label", id2label);
    Files.writeString(dir.resolve("config.json"), json(config));
    return dir;
  }

  /**
   * Writes an embedding model: output {@code embeddings} FP32 {@code [-1, DIM]}; no
   * {@code config.json}; the tokenizer truncates at {@code truncateAt} tokens.
   */
  public static Path writeEmbedder(Path dir, long seed, int truncateAt) throws IOException {
    Files.createDirectories(dir);
    Files.write(dir.resolve("model.onnx"), embedderOnnx(seed));
    Files.writeString(dir.resolve("tokenizer.json"), tokenizerJson(truncateAt));
    return dir;
  }

  /** Token embeddings, row-major {@code [VOCABULARY.size(), DIM]}. */
  public static float[] embeddings(long seed) {
    return uniform(new SplittableRandom(seed), VOCABULARY.size() * DIM, 1.0);
  }

  /** Classifier weights, row-major {@code [DIM, LABELS.size()]}. */
  public static float[] weights(long seed) {
    return uniform(new SplittableRandom(seed * 31 + 7), DIM * LABELS.size(), 1.0);
  }

  /** Classifier bias {@code [LABELS.size()]}. */
  public static float[] bias(long seed) {
    return uniform(new SplittableRandom(seed * 131 + 3), LABELS.size(), 0.5);
  }

  /**
   * Reference tokenization in plain Java, independent of the native tokenizer: lower case, split
   * into runs of word characters and runs of other non-space characters, unknown words to
   * {@code [UNK]}, truncated so that {@code [CLS] ... [SEP]} fits {@code maxLength}.
   */
  public static long[] referenceIds(String text, int maxLength) {
    List<Long> ids = new ArrayList<>();
    ids.add(2L);
    Matcher words = WORDS.matcher(text.toLowerCase(Locale.ROOT));
    while (words.find() && ids.size() < maxLength - 1) {
      int id = VOCABULARY.indexOf(words.group());
      ids.add(id < 4 ? 1L : id);
    }
    ids.add(3L);
    return ids.stream().mapToLong(Long::longValue).toArray();
  }

  /** Reference pooled embedding: the mean of the tokens' embedding rows. */
  public static float[] referenceEmbedding(long seed, String text, int maxLength) {
    float[] table = embeddings(seed);
    long[] ids = referenceIds(text, maxLength);
    double[] sum = new double[DIM];
    for (long id : ids) {
      for (int d = 0; d < DIM; d++) {
        sum[d] += table[(int) id * DIM + d];
      }
    }
    float[] out = new float[DIM];
    for (int d = 0; d < DIM; d++) {
      out[d] = (float) (sum[d] / ids.length);
    }
    return out;
  }

  /** Reference classifier logits for one string (max length {@link #CLASSIFIER_MAX_LENGTH}). */
  public static float[] referenceLogits(long seed, String text) {
    float[] pooled = referenceEmbedding(seed, text, CLASSIFIER_MAX_LENGTH);
    float[] w = weights(seed);
    float[] b = bias(seed);
    int classes = LABELS.size();
    float[] out = new float[classes];
    for (int c = 0; c < classes; c++) {
      double sum = b[c];
      for (int d = 0; d < DIM; d++) {
        sum += (double) pooled[d] * w[d * classes + c];
      }
      out[c] = (float) sum;
    }
    return out;
  }

  /** Softmax of reference logits. */
  public static float[] referenceProbabilities(long seed, String text) {
    float[] logits = referenceLogits(seed, text);
    double max = Double.NEGATIVE_INFINITY;
    for (float l : logits) {
      max = Math.max(max, l);
    }
    double total = 0;
    double[] e = new double[logits.length];
    for (int i = 0; i < logits.length; i++) {
      e[i] = Math.exp(logits[i] - max);
      total += e[i];
    }
    float[] out = new float[logits.length];
    for (int i = 0; i < logits.length; i++) {
      out[i] = (float) (e[i] / total);
    }
    return out;
  }

  /** The label of the largest reference logit. */
  public static String referenceLabel(long seed, String text) {
    float[] logits = referenceLogits(seed, text);
    int best = 0;
    for (int i = 1; i < logits.length; i++) {
      if (logits[i] > logits[best]) {
        best = i;
      }
    }
    return LABELS.get(best);
  }

  private static float[] uniform(SplittableRandom random, int n, double scale) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
    }
    return out;
  }

  static byte[] classifierOnnx(long seed, int sequenceLength) {
    int classes = LABELS.size();
    return pooled(new OnnxModelBuilder("text_classifier_" + seed), seed, sequenceLength)
        .initializer("W", weights(seed), DIM, classes)
        .initializer("B", bias(seed), classes)
        .node("MatMul", List.of("pooled", "W"), List.of("xw"))
        .node("Add", List.of("xw", "B"), List.of(LOGITS))
        .node("Softmax", List.of(LOGITS), List.of(PROBABILITIES), "axis", -1)
        .output(LOGITS, DataType.FP32, -1, classes)
        .output(PROBABILITIES, DataType.FP32, -1, classes)
        .build();
  }

  static byte[] embedderOnnx(long seed) {
    return pooled(new OnnxModelBuilder("text_embedder_" + seed), seed, -1)
        .node("Identity", List.of("pooled"), List.of(EMBEDDINGS))
        .output(EMBEDDINGS, DataType.FP32, -1, DIM)
        .build();
  }

  /** Inputs, token embedding lookup and masked mean pooling into {@code pooled [B, DIM]}. */
  private static OnnxModelBuilder pooled(OnnxModelBuilder b, long seed, int sequenceLength) {
    return b.input(INPUT_IDS, DataType.INT64, -1, sequenceLength)
        .input(ATTENTION_MASK, DataType.INT64, -1, sequenceLength)
        .initializer("E", embeddings(seed), VOCABULARY.size(), DIM)
        .initializer("axis_last", new long[] {2}, 1)
        .initializer("axis_seq", new long[] {1}, 1)
        .initializer("eps", new float[] {1e-9f}, 1)
        .node("Gather", List.of("E", INPUT_IDS), List.of("tokens"), "axis", 0)
        .node("Cast", List.of(ATTENTION_MASK), List.of("mask"), "to", 1)
        .node("Unsqueeze", List.of("mask", "axis_last"), List.of("mask3"))
        .node("Mul", List.of("tokens", "mask3"), List.of("masked"))
        .node("ReduceSum", List.of("masked", "axis_seq"), List.of("summed"), "keepdims", 0)
        .node("ReduceSum", List.of("mask3", "axis_seq"), List.of("count"), "keepdims", 0)
        .node("Max", List.of("count", "eps"), List.of("count_safe"))
        .node("Div", List.of("summed", "count_safe"), List.of("pooled"));
  }

  /**
   * A HuggingFace tokenizers JSON: WordLevel over {@link #VOCABULARY}, lower case, whitespace
   * pre-tokenizer, {@code [CLS] $A [SEP]}; truncation at {@code truncateAt} when > 0.
   */
  public static String tokenizerJson(int truncateAt) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("version", "1.0");
    if (truncateAt > 0) {
      Map<String, Object> truncation = new LinkedHashMap<>();
      truncation.put("direction", "Right");
      truncation.put("max_length", truncateAt);
      truncation.put("strategy", "LongestFirst");
      truncation.put("stride", 0);
      root.put("truncation", truncation);
    } else {
      root.put("truncation", null);
    }
    root.put("padding", null);
    List<Map<String, Object>> added = new ArrayList<>();
    for (int id = 0; id < 4; id++) {
      Map<String, Object> token = new LinkedHashMap<>();
      token.put("id", id);
      token.put("content", VOCABULARY.get(id));
      token.put("single_word", false);
      token.put("lstrip", false);
      token.put("rstrip", false);
      token.put("normalized", false);
      token.put("special", true);
      added.add(token);
    }
    root.put("added_tokens", added);
    root.put("normalizer", Map.of("type", "Lowercase"));
    root.put("pre_tokenizer", Map.of("type", "Whitespace"));
    root.put("post_processor", template());
    root.put("decoder", null);
    Map<String, Integer> vocab = new LinkedHashMap<>();
    for (int id = 0; id < VOCABULARY.size(); id++) {
      vocab.put(VOCABULARY.get(id), id);
    }
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("type", "WordLevel");
    model.put("vocab", vocab);
    model.put("unk_token", "[UNK]");
    root.put("model", model);
    return json(root);
  }

  private static Map<String, Object> template() {
    Map<String, Object> cls = Map.of("SpecialToken", Map.of("id", "[CLS]", "type_id", 0));
    Map<String, Object> sep = Map.of("SpecialToken", Map.of("id", "[SEP]", "type_id", 0));
    Map<String, Object> sep1 = Map.of("SpecialToken", Map.of("id", "[SEP]", "type_id", 1));
    Map<String, Object> a = Map.of("Sequence", Map.of("id", "A", "type_id", 0));
    Map<String, Object> b = Map.of("Sequence", Map.of("id", "B", "type_id", 1));
    Map<String, Object> special = new LinkedHashMap<>();
    special.put("[CLS]", Map.of("id", "[CLS]", "ids", List.of(2), "tokens", List.of("[CLS]")));
    special.put("[SEP]", Map.of("id", "[SEP]", "ids", List.of(3), "tokens", List.of("[SEP]")));
    Map<String, Object> processor = new LinkedHashMap<>();
    processor.put("type", "TemplateProcessing");
    processor.put("single", List.of(cls, a, sep));
    processor.put("pair", List.of(cls, a, sep, b, sep1));
    processor.put("special_tokens", special);
    return processor;
  }

  private static String json(Object value) {
    return new GsonBuilder().serializeNulls().setPrettyPrinting().create().toJson(value);
  }
}
