package io.densemesh.operator.placement;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Copy bounds (and tenant) for the models a rule selects: by name pattern (a glob over the
 * InferenceService name or, for models registered directly, the model id) and/or by the
 * InferenceService's labels. Both given: both must match.
 *
 * @param namePattern glob with {@code *} and {@code ?}, empty for any name
 * @param matchLabels labels the InferenceService must carry, empty for any
 * @param minCopies copies kept loaded at least (0: mesh default)
 * @param maxCopies copies at most (0: mesh default)
 * @param tenant tenant the models are accounted to, empty for none
 */
public record CopyRule(Optional<String> namePattern, Map<String, String> matchLabels,
    int minCopies, int maxCopies, String tenant) {

  /** Whether the rule selects a model by its name and labels (labels empty for plain models). */
  public boolean matches(String name, Map<String, String> labels) {
    if (namePattern.isPresent() && !glob(namePattern.get()).matcher(name).matches()) {
      return false;
    }
    for (Map.Entry<String, String> e : matchLabels.entrySet()) {
      if (!e.getValue().equals(labels.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  static Pattern glob(String glob) {
    StringBuilder re = new StringBuilder();
    for (char c : glob.toCharArray()) {
      switch (c) {
        case '*' -> re.append(".*");
        case '?' -> re.append('.');
        default -> re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString());
  }
}
