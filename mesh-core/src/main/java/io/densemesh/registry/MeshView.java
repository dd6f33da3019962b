package io.densemesh.registry;

import io.densemesh.api.registry.CopyRecord;
import io.densemesh.api.registry.InstanceRecord;
import java.util.List;
import java.util.Map;

/**
 * An immutable picture of the mesh's live state as this node's registry mirror last saw it: the
 * nodes, the copies they hold or load, first-load claims, the live config and the leader. The
 * request path reads it without locks; a new view replaces the old one after each batch of
 * changes.
 *
 * @param revision registry revision this view reflects
 * @param instances live nodes by instance id
 * @param copies copies by model id, then by instance id
 * @param claims model id to the instance loading its first copy
 * @param config live placement settings
 * @param leader instance id of the elected leader, empty when none
 */
public record MeshView(
    long revision,
    Map<String, InstanceRecord> instances,
    Map<String, Map<String, CopyRecord>> copies,
    Map<String, String> claims,
    Map<String, String> config,
    String leader) {

  public static final MeshView EMPTY = new MeshView(0, Map.of(), Map.of(), Map.of(), Map.of(), "");

  /** The copies of one model (any state), by instance id; empty when none. */
  public Map<String, CopyRecord> copiesOf(String modelId) {
    return copies.getOrDefault(modelId, Map.of());
  }

  /** Instances holding a LOADED copy of the model that are still alive. */
  public List<String> loadedOn(String modelId) {
    return copiesOf(modelId).values().stream()
        .filter(c -> c.getState() == CopyRecord.State.LOADED)
        .map(CopyRecord::getInstanceId)
        .filter(instances::containsKey)
        .sorted()
        .toList();
  }
}
