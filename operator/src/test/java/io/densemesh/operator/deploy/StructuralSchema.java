package io.densemesh.operator.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small validator for Kubernetes structural OpenAPI v3 schemas (what a CRD's
 * {@code openAPIV3Schema} may hold): checks that a schema is structural, and that a custom
 * resource conforms to it, the way the API server would accept it. Unknown fields are errors
 * unless the schema preserves them ({@code x-kubernetes-preserve-unknown-fields}) or has
 * {@code additionalProperties}: the API server would silently prune them, which in an example
 * manifest is a typo.
 */
final class StructuralSchema {

  private static final Set<String> TYPES = Set.of("object", "array", "string", "integer",
      "number", "boolean");

  private StructuralSchema() {}

  /** Problems that make a schema non-structural (empty when fine). */
  static List<String> structuralErrors(Map<String, Object> schema) {
    List<String> errors = new ArrayList<>();
    checkStructural(schema, "openAPIV3Schema", errors);
    return errors;
  }

  @SuppressWarnings("unchecked")
  private static void checkStructural(Map<String, Object> s, String path, List<String> errors) {
    Object type = s.get("type");
    boolean preserve = Boolean.TRUE.equals(s.get("x-kubernetes-preserve-unknown-fields"));
    boolean intOrString = Boolean.TRUE.equals(s.get("x-kubernetes-int-or-string"));
    if (type == null && !preserve && !intOrString) {
      errors.add(path + ": type is required in a structural schema");
    } else if (type != null && !TYPES.contains(type)) {
      errors.add(path + ": unknown type " + type);
    }
    if (s.containsKey("properties") && !"object".equals(type)) {
      errors.add(path + ": properties need type object");
    }
    if (s.containsKey("items") && !"array".equals(type)) {
      errors.add(path + ": items need type array");
    }
    if ("array".equals(type) && !(s.get("items") instanceof Map)) {
      errors.add(path + ": an array needs items");
    }
    if (s.containsKey("properties") && s.containsKey("additionalProperties")) {
      errors.add(path + ": properties and additionalProperties are mutually exclusive");
    }
    if (s.get("properties") instanceof Map<?, ?> props) {
      for (Map.Entry<?, ?> e : props.entrySet()) {
        checkStructural((Map<String, Object>) e.getValue(), path + "." + e.getKey(), errors);
      }
      if (s.get("required") instanceof List<?> required) {
        for (Object r : required) {
          if (!props.containsKey(r)) {
            errors.add(path + ": required field " + r + " is not among the properties");
          }
        }
      }
    }
    if (s.get("items") instanceof Map<?, ?> items) {
      checkStructural((Map<String, Object>) items, path + "[]", errors);
    }
    if (s.get("additionalProperties") instanceof Map<?, ?> ap) {
      checkStructural((Map<String, Object>) ap, path + ".*", errors);
    }
  }

  /** Where a value does not conform (empty when it does). */
  static List<String> validate(Object value, Map<String, Object> schema) {
    List<String> errors = new ArrayList<>();
    check(value, schema, "", errors, true);
    return errors;
  }

  @SuppressWarnings("unchecked")
  private static void check(Object v, Map<String, Object> s, String path, List<String> errors,
      boolean root) {
    String at = path.isEmpty() ? "<root>" : path;
    if (v == null) {
      if (!Boolean.TRUE.equals(s.get("nullable"))) {
        errors.add(at + ": null is not allowed");
      }
      return;
    }
    if (Boolean.TRUE.equals(s.get("x-kubernetes-int-or-string"))) {
      if (!(v instanceof String) && !isInteger(v)) {
        errors.add(at + ": must be an integer or a string");
      }
      return;
    }
    Object type = s.get("type");
    if (type == null) {
      return; // preserve-unknown-fields without a type: anything goes
    }
    switch ((String) type) {
      case "object" -> {
        if (!(v instanceof Map<?, ?> map)) {
          errors.add(at + ": must be an object");
          return;
        }
        Map<String, Object> props = (Map<String, Object>) s.getOrDefault("properties", Map.of());
        boolean preserve = Boolean.TRUE.equals(s.get("x-kubernetes-preserve-unknown-fields"));
        Object additional = s.get("additionalProperties");
        for (Map.Entry<?, ?> e : map.entrySet()) {
          String key = String.valueOf(e.getKey());
          String child = path.isEmpty() ? key : path + "." + key;
          if (root && key.equals("metadata")) {
            continue; // validated by the API server itself
          }
          if (props.containsKey(key)) {
            check(e.getValue(), (Map<String, Object>) props.get(key), child, errors, false);
          } else if (additional instanceof Map<?, ?> ap) {
            check(e.getValue(), (Map<String, Object>) ap, child, errors, false);
          } else if (!preserve && !Boolean.TRUE.equals(additional)) {
            errors.add(child + ": unknown field (the API server would drop it)");
          }
        }
        if (s.get("required") instanceof List<?> required) {
          for (Object r : required) {
            if (!map.containsKey(r)) {
              errors.add(at + ": missing required field " + r);
            }
          }
        }
      }
      case "array" -> {
        if (!(v instanceof List<?> list)) {
          errors.add(at + ": must be an array");
          return;
        }
        for (int i = 0; i < list.size(); i++) {
          check(list.get(i), (Map<String, Object>) s.get("items"), path + "[" + i + "]", errors,
              false);
        }
      }
      case "string" -> {
        if (!(v instanceof String str)) {
          errors.add(at + ": must be a string, got " + v);
        } else if (s.get("enum") instanceof List<?> allowed && !allowed.contains(str)) {
          errors.add(at + ": must be one of " + allowed);
        }
      }
      case "integer" -> {
        if (!isInteger(v)) {
          errors.add(at + ": must be an integer, got " + v);
        } else if (s.get("minimum") instanceof Number min
            && ((Number) v).doubleValue() < min.doubleValue()) {
          errors.add(at + ": must be >= " + min);
        }
      }
      case "number" -> {
        if (!(v instanceof Number)) {
          errors.add(at + ": must be a number, got " + v);
        }
      }
      case "boolean" -> {
        if (!(v instanceof Boolean)) {
          errors.add(at + ": must be true or false, got " + v);
        }
      }
      default -> errors.add(at + ": schema has unknown type " + type);
    }
  }

  private static boolean isInteger(Object v) {
    return v instanceof Integer || v instanceof Long || v instanceof java.math.BigInteger
        || v instanceof Short;
  }
}
