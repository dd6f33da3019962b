package io.densemesh.runtime.text;

import io.densemesh.runtime.error.ModelLoadException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The files of a text model directory.
 *
 * @param model the ONNX graph ({@code model.onnx})
 * @param tokenizer the HuggingFace tokenizer ({@code tokenizer.json})
 * @param config the optional HuggingFace model config ({@code config.json})
 */
record TextModelFiles(Path model, Path tokenizer, Optional<Path> config) {

  static final String MODEL = "model.onnx";
  static final String TOKENIZER = "tokenizer.json";
  static final String CONFIG = "config.json";

  /** @throws ModelLoadException naming what is missing */
  static TextModelFiles locate(Path artifact) {
    if (!Files.isDirectory(artifact)) {
      throw new ModelLoadException(
          "a text model is a directory with " + MODEL + " and " + TOKENIZER + "; " + artifact
              + (Files.exists(artifact) ? " is a file" : " does not exist"));
    }
    Path model = artifact.resolve(MODEL);
    Path tokenizer = artifact.resolve(TOKENIZER);
    for (Path required : new Path[] {model, tokenizer}) {
      if (!Files.isRegularFile(required)) {
        throw new ModelLoadException(
            "text model directory " + artifact + " has no " + required.getFileName());
      }
    }
    Path config = artifact.resolve(CONFIG);
    return new TextModelFiles(model, tokenizer,
        Files.isRegularFile(config) ? Optional.of(config) : Optional.empty());
  }
}
