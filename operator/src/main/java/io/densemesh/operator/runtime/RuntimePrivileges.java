package io.densemesh.operator.runtime;

import io.densemesh.operator.resource.Fields;
import java.util.ArrayList;
import java.util.List;

/**
 * What a ServingRuntime asks for beyond an ordinary container: the operator runs such a runtime
 * only when started with {@code --allow-privileged-runtimes}. A model server never needs any of
 * this, and each one hands a tenant's model code the node's host: privileged or
 * privilege-escalating containers, added capabilities, {@code hostPath} volumes, and the host's
 * network, PID or IPC namespaces.
 */
final class RuntimePrivileges {

  private RuntimePrivileges() {}

  /** Each privilege the runtime's spec asks for, as {@code field: value}; empty for none. */
  static List<String> requested(Fields spec) {
    List<String> asked = new ArrayList<>();
    for (String host : List.of("hostNetwork", "hostPID", "hostIPC")) {
      if (spec.bool(host).orElse(false)) {
        asked.add("spec." + host + ": true");
      }
    }
    for (Fields volume : spec.objects("volumes")) {
      if (volume.has("hostPath")) {
        asked.add(volume.path() + ".hostPath (volume '" + volume.string("name").orElse("")
            + "')");
      }
    }
    for (Fields container : spec.objects("containers")) {
      Fields security = container.object("securityContext");
      String name = "container '" + container.string("name").orElse("") + "'";
      if (security.bool("privileged").orElse(false)) {
        asked.add(name + " securityContext.privileged: true");
      }
      if (security.bool("allowPrivilegeEscalation").orElse(false)) {
        asked.add(name + " securityContext.allowPrivilegeEscalation: true");
      }
      List<Object> added = security.object("capabilities").list("add");
      if (!added.isEmpty()) {
        asked.add(name + " securityContext.capabilities.add: " + added);
      }
    }
    return List.copyOf(asked);
  }
}
