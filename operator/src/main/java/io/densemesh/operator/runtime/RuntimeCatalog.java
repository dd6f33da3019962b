package io.densemesh.operator.runtime;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The runtimes one namespace sees: its ServingRuntimes plus the ClusterServingRuntimes, a
 * namespaced runtime shadowing a cluster one of the same name (KServe's rule). Also answers which
 * runtime serves a predictor, with KServe's failure reasons.
 */
public final class RuntimeCatalog {

  /** KServe's {@code FailureReason} values used when no runtime fits. */
  public static final String RUNTIME_NOT_RECOGNIZED = "RuntimeNotRecognized";
  public static final String NO_SUPPORTING_RUNTIME = "NoSupportingRuntime";
  public static final String RUNTIME_DISABLED = "RuntimeDisabled";

  private final Map<String, RuntimeSpec> byName;

  private RuntimeCatalog(Map<String, RuntimeSpec> byName) {
    this.byName = byName;
  }

  public static RuntimeCatalog of(Collection<RuntimeSpec> namespaced,
      Collection<RuntimeSpec> cluster) {
    Map<String, RuntimeSpec> byName = new LinkedHashMap<>();
    cluster.stream().sorted(Comparator.comparing(RuntimeSpec::name))
        .forEach(r -> byName.put(r.name(), r));
    namespaced.stream().sorted(Comparator.comparing(RuntimeSpec::name))
        .forEach(r -> byName.put(r.name(), r));
    return new RuntimeCatalog(byName);
  }

  public Optional<RuntimeSpec> named(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** Runtimes that become node Deployments in this namespace, by name. */
  public List<RuntimeSpec> servedByMesh() {
    return byName.values().stream().filter(RuntimeSpec::servedByMesh)
        .sorted(Comparator.comparing(RuntimeSpec::name)).toList();
  }

  /** The outcome of choosing a runtime for a predictor. */
  public sealed interface Choice {
    /** A runtime that serves the predictor. */
    record Chosen(RuntimeSpec runtime) implements Choice {}

    /** Nothing fits; reason is a KServe FailureReason. */
    record NoneFits(String reason, String message) implements Choice {}
  }

  /**
   * KServe's selection: a named runtime must exist, be enabled, be multi-model and list the
   * format; otherwise the highest-priority auto-selectable multi-model runtime listing the format
   * (then by name).
   */
  public Choice choose(String format, Optional<String> version, Optional<String> runtimeName) {
    String wanted = format + version.map(v -> " version " + v).orElse("");
    if (runtimeName.isPresent()) {
      RuntimeSpec r = byName.get(runtimeName.get());
      if (r == null) {
        return new Choice.NoneFits(RUNTIME_NOT_RECOGNIZED, "runtime '" + runtimeName.get()
            + "' is neither a ServingRuntime in this namespace nor a ClusterServingRuntime");
      }
      if (r.disabled()) {
        return new Choice.NoneFits(RUNTIME_DISABLED, "runtime '" + r.name() + "' is disabled");
      }
      if (!r.multiModel()) {
        return new Choice.NoneFits(RUNTIME_NOT_RECOGNIZED, "runtime '" + r.name()
            + "' is not a multi-model runtime (spec.multiModel is not true)");
      }
      if (!r.supports(format, version)) {
        return new Choice.NoneFits(NO_SUPPORTING_RUNTIME, "runtime '" + r.name()
            + "' does not support model format " + wanted);
      }
      return new Choice.Chosen(r);
    }
    List<RuntimeSpec> candidates = new ArrayList<>();
    long best = Long.MIN_VALUE;
    for (RuntimeSpec r : servedByMesh()) {
      for (ModelFormat f : r.formats()) {
        if (f.autoSelect() && f.matches(format, version)) {
          if (f.priority() > best) {
            candidates.clear();
            best = f.priority();
          }
          if (f.priority() == best && !candidates.contains(r)) {
            candidates.add(r);
          }
        }
      }
    }
    if (candidates.isEmpty()) {
      return new Choice.NoneFits(NO_SUPPORTING_RUNTIME, "no enabled multi-model runtime with"
          + " autoSelect supports model format " + wanted);
    }
    return new Choice.Chosen(candidates.get(0));
  }
}
