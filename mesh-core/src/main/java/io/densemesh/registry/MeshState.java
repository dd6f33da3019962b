package io.densemesh.registry;

import io.densemesh.api.registry.CopyRecord;
import io.densemesh.api.registry.InstanceRecord;
import java.util.Map;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

/**
 * The live state of a registry mirror, held in persistent (immutable, structurally shared) maps:
 * each change replaces one path of a hash trie instead of the whole map, and {@link #snapshot}
 * wraps the current maps in a {@link MeshView} without copying anything. So the work per registry
 * event is O(log n) in the number of copies, not O(n), and a published view never changes under
 * its readers.
 *
 * <p>Changed by one thread at a time (the mirror's serial executor, or under the embedded
 * registry's lock). A reload builds a fresh state aside and swaps it in whole, so readers never
 * see a half-filled one.
 */
final class MeshState {

  private PMap<String, InstanceRecord> instances = HashTreePMap.empty();
  private PMap<String, PMap<String, CopyRecord>> copies = HashTreePMap.empty();
  private PMap<String, String> claims = HashTreePMap.empty();
  private PMap<String, String> config = HashTreePMap.empty();
  private String leader = "";

  void putInstance(InstanceRecord record) {
    instances = instances.plus(record.getInstanceId(), record);
  }

  void removeInstance(String instanceId) {
    instances = instances.minus(instanceId);
  }

  void putCopy(CopyRecord record) {
    PMap<String, CopyRecord> of = copies.getOrDefault(record.getModelId(), HashTreePMap.empty());
    copies = copies.plus(record.getModelId(), of.plus(record.getInstanceId(), record));
  }

  void removeCopy(String modelId, String instanceId) {
    PMap<String, CopyRecord> of = copies.get(modelId);
    if (of == null || !of.containsKey(instanceId)) {
      return;
    }
    PMap<String, CopyRecord> rest = of.minus(instanceId);
    copies = rest.isEmpty() ? copies.minus(modelId) : copies.plus(modelId, rest);
  }

  void putClaim(String modelId, String instanceId) {
    claims = claims.plus(modelId, instanceId);
  }

  void removeClaim(String modelId) {
    claims = claims.minus(modelId);
  }

  void putSetting(String name, String value) {
    config = config.plus(name, value);
  }

  void removeSetting(String name) {
    config = config.minus(name);
  }

  void replaceConfig(Map<String, String> settings) {
    config = HashTreePMap.from(settings);
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

  /** The current state as an immutable view; O(1): the persistent maps are shared, not copied. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  MeshView snapshot(long revision) {
    Map<String, Map<String, CopyRecord>> frozen = (Map) copies;
    return new MeshView(revision, instances, frozen, claims, config, leader);
  }
}
