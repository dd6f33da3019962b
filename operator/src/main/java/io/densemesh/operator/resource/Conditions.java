package io.densemesh.operator.resource;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Kubernetes-style status conditions as plain maps, keeping {@code lastTransitionTime} from the
 * previous status while a condition's status is unchanged (so a steady resource's status does not
 * change, and is not rewritten, on every poll).
 */
public final class Conditions {

  private Conditions() {}

  /**
   * @param previous the resource's current {@code status.conditions} (may be empty)
   * @param reason CamelCase reason, empty for none
   */
  public static Map<String, Object> condition(List<Object> previous, String type, boolean status,
      String reason, String message, Instant now) {
    String value = status ? "True" : "False";
    String since = timestamp(now);
    for (Object p : previous) {
      if (p instanceof Map<?, ?> m && type.equals(m.get("type")) && value.equals(m.get("status"))
          && m.get("lastTransitionTime") instanceof String t) {
        since = t;
      }
    }
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("type", type);
    c.put("status", value);
    c.put("lastTransitionTime", since);
    if (!reason.isEmpty()) {
      c.put("reason", reason);
    }
    if (!message.isEmpty()) {
      c.put("message", message);
    }
    return c;
  }

  /** RFC 3339 at second precision, as Kubernetes writes times. */
  public static String timestamp(Instant t) {
    return t.truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
