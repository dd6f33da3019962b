package io.densemesh.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.util.concurrent.ListenableFuture;
import io.densemesh.api.peer.ActivityEvent;
import io.densemesh.api.peer.PeerControlGrpc;
import io.densemesh.api.peer.RecentActivityRequest;
import io.densemesh.api.peer.RecentActivityResponse;
import io.densemesh.api.registry.InstanceRecord;
import io.densemesh.mesh.Peers;
import io.densemesh.registry.Registry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The whole mesh's recent activity for the console: this node's feed and every live peer's,
 * asked in parallel over {@code PeerControl/recentActivity} on the internal port (bounded by
 * {@code timeout}), merged by time, the newest {@link ActivityFeed#KEPT} kept. A peer that does
 * not answer is named in {@code unreached} rather than failing the page.
 */
public final class MeshActivity {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String self;
  private final ActivityFeed feed;
  private final Registry registry;
  private final Peers peers;
  private final Duration timeout;

  public MeshActivity(String self, ActivityFeed feed, Registry registry, Peers peers,
      Duration timeout) {
    this.self = self;
    this.feed = feed;
    this.registry = registry;
    this.peers = peers;
    this.timeout = timeout;
  }

  /** {@code {events[], unreached[]}}: events oldest first, from every node at or after since. */
  public ObjectNode since(long sinceMillis) {
    Map<String, ListenableFuture<RecentActivityResponse>> asked = new LinkedHashMap<>();
    RecentActivityRequest request = RecentActivityRequest.newBuilder().setSince(sinceMillis)
        .setLimit(ActivityFeed.KEPT).build();
    for (InstanceRecord peer : registry.view().instances().values()) {
      if (peer.getInstanceId().equals(self)) {
        continue;
      }
      asked.put(peer.getInstanceId(), PeerControlGrpc.newFutureStub(
              peers.peer(peer.getAddress()).channel())
          .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .recentActivity(request));
    }
    List<ActivityEvent> events = new ArrayList<>(feed.since(sinceMillis, ActivityFeed.KEPT));
    ObjectNode out = JSON.createObjectNode();
    ArrayNode unreached = JSON.createArrayNode();
    for (Map.Entry<String, ListenableFuture<RecentActivityResponse>> e : asked.entrySet()) {
      try {
        events.addAll(e.getValue().get(timeout.toMillis() + 500, TimeUnit.MILLISECONDS)
            .getEventsList());
      } catch (ExecutionException | TimeoutException ex) {
        e.getValue().cancel(true);
        unreached.add(e.getKey());
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        unreached.add(e.getKey());
      }
    }
    events.sort(Comparator.comparingLong(ActivityEvent::getTime)
        .thenComparing(ActivityEvent::getNode).thenComparingLong(ActivityEvent::getSeq));
    List<ActivityEvent> newest = events.size() > ActivityFeed.KEPT
        ? events.subList(events.size() - ActivityFeed.KEPT, events.size()) : events;
    ArrayNode list = out.putArray("events");
    newest.forEach(ev -> list.add(ActivityFeed.json(ev)));
    out.set("unreached", unreached);
    return out;
  }
}
