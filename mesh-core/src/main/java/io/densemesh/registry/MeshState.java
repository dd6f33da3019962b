package io.densemesh.registry;

import io.densemesh.api.registry.CopyRecord;
import io.densemesh.api.registry.InstanceRecord;
import java.util.HashMap;
import java.util.Map;

/**
 * The mutable side of a registry mirror's live state, changed by one thread at a time (the
 * mirror's serial executor, or under the embedded registry's lock) and published as an
 * immutable {@link MeshView}.
 */
final class MeshState {

  private final Map<String, InstanceRecord> instances = new HashMap<>();
  private final Map<String, Map<String, CopyRecord>> copies = new HashMap<>();
  private final Map<String, String> claims = new HashMap<>();
  private final Map<String, String> config = new HashMap<>();
  private String leader = "";

  void clear() {
    instances.clear();
    copies.clear();
    claims.clear();
    config.clear();
    leader = "";
  }

  void putInstance(InstanceRecord record) {
    instances.put(record.getInstanceId(), record);
  }

  void removeInstance(String instanceId) {
    instances.remove(instanceId);
  }

  void putCopy(CopyRecord record) {
    copies.computeIfAbsent(record.getModelId(), k -> new HashMap<>())
        .put(record.getInstanceId(), record);
  }

  void removeCopy(String modelId, String instanceId) {
    Map<String, CopyRecord> of = copies.get(modelId);
    if (of != null) {
      of.remove(instanceId);
      if (of.isEmpty()) {
        copies.remove(modelId);
      }
    }
  }

  void putClaim(String modelId, String instanceId) {
    claims.put(modelId, instanceId);
  }

  void removeClaim(String modelId) {
    claims.remove(modelId);
  }

  void putSetting(String name, String value) {
    config.put(name, value);
  }

  void removeSetting(String name) {
    config.remove(name);
  }

  void replaceConfig(Map<String, String> settings) {
    config.clear();
    config.putAll(settings);
  }

  void leader(String instanceId) {
    leader = instanceId == null ? "" : instanceId;
  }

  String leader() {
    return leader;
  }

  String claim(String modelId) {
    return claims.get(modelId);
  }

  MeshView snapshot(long revision) {
    Map<String, Map<String, CopyRecord>> frozen = new HashMap<>(copies.size() * 2);
    copies.forEach((model, byInstance) -> frozen.put(model, Map.copyOf(byInstance)));
    return new MeshView(revision, Map.copyOf(instances), Map.copyOf(frozen), Map.copyOf(claims),
        Map.copyOf(config), leader);
  }
}
