package io.densemesh.operator.resource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Typed reads from an unstructured object (nested maps and lists as Jackson reads JSON/YAML).
 * Absent fields are empty; a field of the wrong type is an {@link InvalidResourceException}
 * naming its path, so a bad manifest becomes a status reason instead of a crash.
 */
public final class Fields {

  private final Map<String, Object> root;
  private final String path;
  private final String reason;

  private Fields(Map<String, Object> root, String path, String reason) {
    this.root = root == null ? Map.of() : root;
    this.path = path;
    this.reason = reason;
  }

  /**
   * @param root the object (null reads as empty)
   * @param path its path for messages, e.g. {@code spec}
   * @param reason the status reason type errors are reported with
   */
  public static Fields of(Object root, String path, String reason) {
    return new Fields(asMap(root, path, reason), path, reason);
  }

  public String path() {
    return path;
  }

  public boolean isEmpty() {
    return root.isEmpty();
  }

  public boolean has(String key) {
    return root.get(key) != null;
  }

  public Map<String, Object> raw() {
    return root;
  }

  /** A nested object (empty when absent). */
  public Fields object(String key) {
    return new Fields(asMap(root.get(key), at(key), reason), at(key), reason);
  }

  public Optional<String> string(String key) {
    Object v = root.get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (v instanceof String s) {
      return Optional.of(s);
    }
    if (v instanceof Number || v instanceof Boolean) {
      return Optional.of(String.valueOf(v));
    }
    throw invalid(at(key) + " must be a string");
  }

  public Optional<Boolean> bool(String key) {
    Object v = root.get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (v instanceof Boolean b) {
      return Optional.of(b);
    }
    throw invalid(at(key) + " must be true or false");
  }

  public Optional<Long> integer(String key) {
    Object v = root.get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
      return Optional.of(n.longValue());
    }
    throw invalid(at(key) + " must be a whole number, got " + v);
  }

  public Optional<Double> number(String key) {
    Object v = root.get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (v instanceof Number n) {
      return Optional.of(n.doubleValue());
    }
    if (v instanceof String s) {
      try {
        return Optional.of(Double.parseDouble(s.trim()));
      } catch (NumberFormatException e) {
        throw invalid(at(key) + " must be a number, got '" + s + "'");
      }
    }
    throw invalid(at(key) + " must be a number, got " + v);
  }

  /** A list of objects (empty when absent). */
  public List<Fields> objects(String key) {
    List<Fields> out = new ArrayList<>();
    List<Object> items = list(key);
    for (int i = 0; i < items.size(); i++) {
      String p = at(key) + "[" + i + "]";
      out.add(new Fields(asMap(items.get(i), p, reason), p, reason));
    }
    return out;
  }

  /** A list as it is (empty when absent). */
  public List<Object> list(String key) {
    Object v = root.get(key);
    if (v == null) {
      return List.of();
    }
    if (v instanceof List<?> l) {
      return new ArrayList<>(l);
    }
    throw invalid(at(key) + " must be a list");
  }

  /** A map of strings, e.g. labels or nodeSelector (empty when absent). */
  public Map<String, String> strings(String key) {
    Fields f = object(key);
    Map<String, String> out = new LinkedHashMap<>();
    for (String k : f.root.keySet()) {
      f.string(k).ifPresent(v -> out.put(k, v));
    }
    return out;
  }

  public InvalidResourceException invalid(String message) {
    return new InvalidResourceException(reason, message);
  }

  private String at(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Object v, String path, String reason) {
    if (v == null) {
      return Map.of();
    }
    if (v instanceof Map<?, ?> m) {
      return (Map<String, Object>) m;
    }
    throw new InvalidResourceException(reason, path + " must be an object");
  }
}
