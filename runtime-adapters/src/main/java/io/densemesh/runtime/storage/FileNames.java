package io.densemesh.runtime.storage;

import io.densemesh.runtime.error.ModelLoadException;
import java.nio.file.Path;

/** Safe local names for remote object names. */
final class FileNames {

  private FileNames() {}

  /** The last segment of a remote path as a local file name, or {@code fallback}. */
  static String lastSegment(String remotePath, String fallback) {
    String p = remotePath;
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    String name = p.substring(p.lastIndexOf('/') + 1).replaceAll("[^A-Za-z0-9._-]", "_");
    return name.isEmpty() || name.equals(".") || name.equals("..") ? fallback : name;
  }

  /** {@code dir/relative}, refusing a relative path that would leave {@code dir}. */
  static Path inside(Path dir, String relative, String what) {
    Path target = dir.resolve(relative).normalize();
    if (!target.startsWith(dir) || target.equals(dir) || relative.startsWith("/")) {
      throw new ModelLoadException(what + " has an object name that would be written outside "
          + "the model's directory: '" + relative + "'");
    }
    return target;
  }
}
