package io.densemesh.runtime.text;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.densemesh.runtime.error.ModelLoadException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the runtime takes from a HuggingFace {@code config.json} and {@code tokenizer.json}.
 *
 * @param labels class labels by class index ({@code id2label}); empty when there are none
 * @param maxPositions the model's {@code max_position_embeddings}, 0 when not given
 * @param tokenizerTruncation the tokenizer's own {@code truncation.max_length}, 0 when not set
 */
record TextModelConfig(List<String> labels, int maxPositions, int tokenizerTruncation) {

  TextModelConfig {
    labels = List.copyOf(labels);
  }

  static TextModelConfig read(TextModelFiles files) {
    List<String> labels = List.of();
    int maxPositions = 0;
    Optional<Path> config = files.config();
    if (config.isPresent()) {
      JsonObject root = object(config.get());
      labels = labels(config.get(), root.get("id2label"));
      maxPositions = positiveInt(config.get(), root, "max_position_embeddings");
    }
    JsonObject tokenizer = object(files.tokenizer());
    int truncation = 0;
    JsonElement t = tokenizer.get("truncation");
    if (t != null && t.isJsonObject()) {
      truncation = positiveInt(files.tokenizer(), t.getAsJsonObject(), "max_length");
    }
    return new TextModelConfig(labels, maxPositions, truncation);
  }

  /** {@code id2label} keys must be exactly 0..n-1. */
  private static List<String> labels(Path file, JsonElement element) {
    if (element == null || element.isJsonNull()) {
      return List.of();
    }
    if (!element.isJsonObject()) {
      throw new ModelLoadException(file.getFileName() + ": id2label must be an object");
    }
    Map<Integer, String> byIndex = new TreeMap<>();
    for (Map.Entry<String, JsonElement> e : element.getAsJsonObject().entrySet()) {
      try {
        byIndex.put(Integer.parseInt(e.getKey()), e.getValue().getAsString());
      } catch (NumberFormatException | UnsupportedOperationException | IllegalStateException x) {
        throw new ModelLoadException(
            file.getFileName() + ": id2label entry '" + e.getKey() + "' is not index -> label");
      }
    }
    List<String> labels = new ArrayList<>(byIndex.values());
    int expected = 0;
    for (int index : byIndex.keySet()) {
      if (index != expected++) {
        throw new ModelLoadException(
            file.getFileName() + ": id2label indices must be 0.." + (byIndex.size() - 1));
      }
    }
    return labels;
  }

  private static int positiveInt(Path file, JsonObject object, String field) {
    JsonElement value = object.get(field);
    if (value == null || value.isJsonNull()) {
      return 0;
    }
    try {
      int n = value.getAsInt();
      if (n < 1) {
        throw new ModelLoadException(file.getFileName() + ": " + field + " must be >= 1");
      }
      return n;
    } catch (NumberFormatException | UnsupportedOperationException | IllegalStateException e) {
      throw new ModelLoadException(file.getFileName() + ": " + field + " is not a number");
    }
  }

  private static JsonObject object(Path file) {
    try {
      JsonElement root = JsonParser.parseString(Files.readString(file));
      if (!root.isJsonObject()) {
        throw new ModelLoadException(file.getFileName() + " is not a JSON object");
      }
      return root.getAsJsonObject();
    } catch (IOException e) {
      throw new ModelLoadException("cannot read " + file.getFileName() + ": " + e.getMessage(), e);
    } catch (JsonParseException e) {
      throw new ModelLoadException(
          file.getFileName() + " is not valid JSON: " + e.getMessage(), e);
    }
  }
}
