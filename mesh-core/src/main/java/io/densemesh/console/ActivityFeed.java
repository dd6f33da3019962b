package io.densemesh.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.densemesh.api.peer.ActivityEvent;
import io.densemesh.cache.CacheListener;
import io.densemesh.serving.VModelManagement;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * What happened on this node, newest last: loads, load failures, unloads and evictions (from the
 * cache), vmodel transitions this node made or completed (a switch of the active model, a failed
 * transition), and actions taken from the console (audited with who took them). The
 * last {@link #KEPT} events are kept for a page that opens; live subscribers (at most
 * {@link #MAX_SUBSCRIBERS}) get each new event as it happens.
 */
public final class ActivityFeed implements CacheListener, VModelManagement.Transitions {

  /** Events kept for pages that open later. */
  public static final int KEPT = 1000;
  /** Live subscribers at most (each open console page holds one). */
  public static final int MAX_SUBSCRIBERS = 32;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Clock clock;
  private final String instanceId;
  private final Deque<ObjectNode> recent = new ArrayDeque<>();
  private final List<Consumer<ObjectNode>> subscribers = new CopyOnWriteArrayList<>();
  private long sequence;

  public ActivityFeed(Clock clock, String instanceId) {
    this.clock = clock;
    this.instanceId = instanceId;
  }

  @Override
  public void loaded(String modelId, long sizeBytes, long loadMillis) {
    publish("load", modelId, "loaded: " + sizeBytes + " bytes in " + loadMillis + " ms");
  }

  @Override
  public void loadFailed(String modelId, String reason) {
    publish("failure", modelId, reason);
  }

  @Override
  public void unloaded(String modelId, boolean evicted, long residentMillis) {
    publish(evicted ? "eviction" : "unload", modelId,
        (evicted ? "evicted" : "unloaded") + " after " + residentMillis / 1000 + " s resident");
  }

  @Override
  public void switched(String vmodelId, String from, String to) {
    publish("vmodel", vmodelId, from.isEmpty() ? "serves " + to : "switched from " + from
        + " to " + to);
  }

  @Override
  public void failed(String vmodelId, String target) {
    publish("vmodel", vmodelId, "transition to " + target + " failed (retried later)");
  }

  /** Records an action taken from the console, with who took it. */
  public void audit(String who, String action, String subject, String detail) {
    publish("action", subject, who + ": " + action + (detail.isEmpty() ? "" : " " + detail));
  }

  private void publish(String kind, String subject, String detail) {
    ObjectNode event;
    synchronized (recent) {
      event = JSON.createObjectNode().put("seq", ++sequence).put("time", clock.millis())
          .put("node", instanceId).put("kind", kind).put("subject", subject)
          .put("detail", detail);
      recent.addLast(event);
      if (recent.size() > KEPT) {
        recent.removeFirst();
      }
    }
    for (Consumer<ObjectNode> s : subscribers) {
      s.accept(event);
    }
  }

  /**
   * The kept events at or after {@code sinceMillis}, oldest first, at most {@code limit} (the
   * newest; 0 or less: all kept), as the mesh's peers ask for them.
   */
  public List<ActivityEvent> since(long sinceMillis, int limit) {
    List<ObjectNode> kept = recent();
    List<ActivityEvent> out = new ArrayList<>();
    for (ObjectNode e : kept) {
      if (e.path("time").asLong() >= sinceMillis) {
        out.add(ActivityEvent.newBuilder().setSeq(e.path("seq").asLong())
            .setTime(e.path("time").asLong()).setNode(e.path("node").asText())
            .setKind(e.path("kind").asText()).setSubject(e.path("subject").asText())
            .setDetail(e.path("detail").asText()).build());
      }
    }
    return limit > 0 && out.size() > limit ? out.subList(out.size() - limit, out.size()) : out;
  }

  /** One event as the console's JSON. */
  static ObjectNode json(ActivityEvent e) {
    return JSON.createObjectNode().put("seq", e.getSeq()).put("time", e.getTime())
        .put("node", e.getNode()).put("kind", e.getKind()).put("subject", e.getSubject())
        .put("detail", e.getDetail());
  }

  /** The kept events, oldest first. */
  public List<ObjectNode> recent() {
    synchronized (recent) {
      return new ArrayList<>(recent);
    }
  }

  /**
   * Subscribes to new events; the subscriber must not block (it runs on the thread that made the
   * event).
   *
   * @return false when {@link #MAX_SUBSCRIBERS} are already subscribed
   */
  public boolean subscribe(Consumer<ObjectNode> subscriber) {
    synchronized (subscribers) {
      if (subscribers.size() >= MAX_SUBSCRIBERS) {
        return false;
      }
      subscribers.add(subscriber);
      return true;
    }
  }

  public void unsubscribe(Consumer<ObjectNode> subscriber) {
    subscribers.remove(subscriber);
  }
}
