package io.densemesh.operator.runtime;

import java.util.Locale;
import java.util.Optional;

/**
 * One entry of a runtime's {@code supportedModelFormats}.
 *
 * @param name format name as written, e.g. {@code onnx} (matched case-insensitively)
 * @param version format version, empty when the runtime does not pin one
 * @param autoSelect whether an InferenceService that names no runtime may land here
 * @param priority among auto-selectable runtimes for the same format, higher wins
 */
public record ModelFormat(String name, String version, boolean autoSelect, long priority) {

  /** Whether a predictor asking for {@code format} (and optionally {@code wantedVersion}) fits. */
  public boolean matches(String format, Optional<String> wantedVersion) {
    if (!name.toLowerCase(Locale.ROOT).equals(format.toLowerCase(Locale.ROOT))) {
      return false;
    }
    return wantedVersion.isEmpty() || wantedVersion.get().equals(version);
  }

  /** The node placement label for this format, {@code format:<name>} (lower case). */
  public String label() {
    return "format:" + name.toLowerCase(Locale.ROOT);
  }
}
