package io.densemesh.cache;

import io.densemesh.runtime.error.ModelLoadException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Turns a registered model path into a local artifact: plain paths and {@code file://} URIs.
 * Remote stores (S3, HTTP, PVC) plug in here later.
 */
public final class ArtifactResolver {

  /** @throws ModelLoadException when the path is unsupported or missing */
  public Path resolve(String path) {
    if (path == null || path.isBlank()) {
      throw new ModelLoadException("model path is empty");
    }
    Path local;
    if (path.startsWith("file:")) {
      try {
        local = Path.of(URI.create(path));
      } catch (IllegalArgumentException e) {
        throw new ModelLoadException("bad file URI '" + path + "': " + e.getMessage());
      }
    } else if (path.contains("://")) {
      throw new ModelLoadException(
          "storage scheme of '" + path + "' is not supported; use a local path or file:// URI");
    } else {
      local = Path.of(path);
    }
    local = local.toAbsolutePath().normalize();
    if (!Files.exists(local)) {
      throw new ModelLoadException("model path " + local + " does not exist");
    }
    return local;
  }

  /** Bytes on disk of a file or a directory tree: the lower bound of what a load needs. */
  public long sizeOnDisk(Path artifact) {
    try {
      if (Files.isRegularFile(artifact)) {
        return Files.size(artifact);
      }
      try (Stream<Path> files = Files.walk(artifact)) {
        return files.filter(Files::isRegularFile).mapToLong(ArtifactResolver::size).sum();
      }
    } catch (IOException e) {
      throw new ModelLoadException("cannot read " + artifact + ": " + e.getMessage(), e);
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return 0;
    }
  }
}
