package io.densemesh.registry;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The lazy record cache: watch events refresh cached ids, stale point reads are never cached. */
class RecordCacheTest {

  private final RecordCache<String> cache = new RecordCache<>(1 << 20, String::length, 4,
      Runnable::run);

  @Test
  void aPointReadIsCachedAndThenKeptFreshByTheWatch() {
    assertThat(cache.offer("m", new Versioned<>("v1", 5), 7)).isTrue();
    assertThat(cache.get("m").value()).isEqualTo("v1");

    assertThat(cache.put("m", 9, () -> "v2")).isTrue();
    assertThat(cache.get("m")).isEqualTo(new Versioned<>("v2", 9));
    assertThat(cache.put("m", 6, () -> "old")).as("an older event").isFalse();
    assertThat(cache.get("m").value()).isEqualTo("v2");

    assertThat(cache.delete("m", 10)).isTrue();
    assertThat(cache.get("m")).isNull();
  }

  @Test
  void eventsForIdsNotCachedAreSkippedNotCached() {
    assertThat(cache.put("other", 3, () -> "x")).isFalse();
    assertThat(cache.get("other")).isNull();
  }

  @Test
  void aPointReadOlderThanASkippedChangeIsNotCached() {
    cache.put("m", 12, () -> "v2"); // skipped: not cached
    assertThat(cache.offer("m", new Versioned<>("v1", 5), 10)).as("read before the change")
        .isFalse();
    assertThat(cache.get("m")).isNull();
    assertThat(cache.offer("m", new Versioned<>("v2", 12), 12)).isTrue();
    assertThat(cache.get("m").value()).isEqualTo("v2");
  }

  @Test
  void aPointReadOlderThanASkippedDeleteDoesNotResurrectTheRecord() {
    cache.delete("m", 20);
    assertThat(cache.offer("m", new Versioned<>("v1", 5), 19)).isFalse();
    assertThat(cache.get("m")).isNull();
  }

  @Test
  void forgottenSkipsStillGuardThroughTheFloor() {
    cache.put("a", 30, () -> "a");
    for (int i = 0; i < 4; i++) {
      cache.put("x" + i, 31 + i, () -> "x"); // pushes "a" out of the remembered 4
    }
    assertThat(cache.offer("a", new Versioned<>("a-old", 2), 29)).isFalse();
    assertThat(cache.offer("fresh", new Versioned<>("f", 2), 40)).isTrue();
  }

  @Test
  void aRestartKeepsRecordsForReaderAndRefusesReadsFromBeforeIt() {
    cache.offer("m", new Versioned<>("v1", 5), 7);
    cache.offer("gone", new Versioned<>("g", 6), 7);
    assertThat(cache.restartAt(50)).containsExactlyInAnyOrder("m", "gone");
    assertThat(cache.get("m").value()).as("still answered while re-read").isEqualTo("v1");
    assertThat(cache.offer("x", new Versioned<>("x", 5), 49)).isFalse();
    assertThat(cache.offer("m", new Versioned<>("v2", 40), 50)).isTrue();
    assertThat(cache.get("m").value()).isEqualTo("v2");
    cache.absent("gone", 50);
    assertThat(cache.get("gone")).isNull();
    cache.absent("m", 30);
    assertThat(cache.get("m")).as("absent in a read older than the record").isNotNull();
  }

  @Test
  void theCacheStaysWithinItsWeight() {
    RecordCache<String> small = new RecordCache<>(10_000, String::length, 4, Runnable::run);
    for (int i = 0; i < 10_000; i++) {
      small.offer("m" + i, new Versioned<>("0123456789", i + 1), i + 1);
    }
    assertThat(small.size()).isBetween(1L, 100L);
  }
}
