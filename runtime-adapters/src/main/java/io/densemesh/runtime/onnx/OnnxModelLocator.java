package io.densemesh.runtime.onnx;

import io.densemesh.runtime.error.ModelLoadException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Finds the {@code .onnx} file of a model artifact: the file itself, or the one in a directory. */
final class OnnxModelLocator {

  private OnnxModelLocator() {}

  static Path locate(Path artifact) {
    if (Files.isRegularFile(artifact)) {
      return artifact;
    }
    if (!Files.isDirectory(artifact)) {
      throw new ModelLoadException("model path " + artifact + " does not exist");
    }
    Path preferred = artifact.resolve("model.onnx");
    if (Files.isRegularFile(preferred)) {
      return preferred;
    }
    try (Stream<Path> files = Files.list(artifact)) {
      List<Path> onnx =
          files.filter(p -> p.getFileName().toString().endsWith(".onnx"))
              .filter(Files::isRegularFile)
              .sorted()
              .toList();
      if (onnx.size() == 1) {
        return onnx.get(0);
      }
      throw new ModelLoadException(
          onnx.isEmpty()
              ? "directory " + artifact + " holds no .onnx file"
              : "directory " + artifact + " holds " + onnx.size()
                  + " .onnx files and no model.onnx; cannot tell which to load");
    } catch (IOException e) {
      throw new ModelLoadException("cannot list " + artifact + ": " + e.getMessage(), e);
    }
  }
}
