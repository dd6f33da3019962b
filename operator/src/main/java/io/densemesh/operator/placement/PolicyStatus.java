package io.densemesh.operator.placement;

import io.densemesh.operator.resource.Conditions;
import io.densemesh.operator.resource.Fields;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A PlacementPolicy's status: {@code phase} Applied, Rejected (invalid, conflicting, or refused
 * by the mesh, with a reason) or Pending (the mesh could not be reached), the number of models
 * its rules matched, and an {@code Applied} condition. A pure function.
 */
public final class PolicyStatus {

  public static final String APPLIED = "Applied";
  public static final String REJECTED = "Rejected";
  public static final String PENDING = "Pending";

  private PolicyStatus() {}

  public static Map<String, Object> desired(String phase, String reason, String message,
      int matchedModels, long generation, Map<String, Object> previous, Instant now) {
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("observedGeneration", generation);
    status.put("phase", phase);
    if (!reason.isEmpty()) {
      status.put("reason", reason);
    }
    if (!message.isEmpty()) {
      status.put("message", message);
    }
    status.put("matchedModels", matchedModels);
    List<Object> previousConditions = Fields.of(previous, "status", "").list("conditions");
    status.put("conditions", List.of(Conditions.condition(previousConditions, APPLIED,
        APPLIED.equals(phase), reason, message, now)));
    return status;
  }
}
