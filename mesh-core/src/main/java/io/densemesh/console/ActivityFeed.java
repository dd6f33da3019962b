package io.densemesh.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
