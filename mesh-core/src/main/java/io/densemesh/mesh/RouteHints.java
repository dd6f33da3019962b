package io.densemesh.mesh;

import java.util.Set;

/**
 * What a request already carries about its routing ({@code dm-*} metadata from a peer).
 *
 * @param hops how many nodes forwarded it so far
 * @param excluded instances that failed it with UNAVAILABLE
 * @param loadHere the sender chose this node to load the model
 */
public record RouteHints(int hops, Set<String> excluded, boolean loadHere) {

  public static final RouteHints NONE = new RouteHints(0, Set.of(), false);

  public RouteHints {
    excluded = Set.copyOf(excluded);
  }

  public RouteHints exclude(String instanceId) {
    java.util.Set<String> more = new java.util.HashSet<>(excluded);
    more.add(instanceId);
    return new RouteHints(hops, more, loadHere);
  }
}
