package io.densemesh.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.densemesh.api.peer.ActivityEvent;
import io.densemesh.testing.FakeClock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ActivityFeedTest {

  final FakeClock clock = new FakeClock(1_000);
  final ActivityFeed feed = new ActivityFeed(clock, "n1");

  @Test
  void peersGetTheEventsSinceATimeNewestLastAndBounded() {
    feed.loaded("a", 10, 1);
    clock.advance(Duration.ofSeconds(1));
    feed.unloaded("a", true, 1_000);
    feed.switched("v", "a", "b");
    feed.failed("v", "c");

    List<ActivityEvent> all = feed.since(0, 0);
    assertThat(all).extracting(ActivityEvent::getKind)
        .containsExactly("load", "eviction", "vmodel", "vmodel");
    assertThat(all.get(2).getDetail()).isEqualTo("switched from a to b");
    assertThat(all.get(3).getDetail()).contains("transition to c failed");
    assertThat(all).allMatch(e -> e.getNode().equals("n1"));

    assertThat(feed.since(2_000, 0)).hasSize(3); // the load came before
    assertThat(feed.since(0, 2)).extracting(ActivityEvent::getKind)
        .containsExactly("vmodel", "vmodel"); // the newest two
    assertThat(ActivityFeed.json(all.get(0)).path("subject").asText()).isEqualTo("a");
  }

  @Test
  void onlyTheLastThousandAreKept() {
    for (int i = 0; i < ActivityFeed.KEPT + 10; i++) {
      feed.loadFailed("m" + i, "broken");
    }
    assertThat(feed.since(0, 0)).hasSize(ActivityFeed.KEPT);
    assertThat(feed.since(0, 0).get(0).getSubject()).isEqualTo("m10");
  }
}
