package io.densemesh.runtime.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.runtime.error.ModelLoadException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactDiskCacheTest {

  @TempDir Path root;

  /** A clock the test moves: one second per reading, so every touch is later than the last. */
  private static final class SteppingClock extends Clock {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public synchronized Instant instant() {
      now = now.plusSeconds(1);
      return now;
    }
  }

  private final SteppingClock clock = new SteppingClock();

  private static final class Counting implements StorageListener {
    final AtomicInteger hits = new AtomicInteger();
    final AtomicInteger misses = new AtomicInteger();
    final List<Long> evicted = new ArrayList<>();

    @Override
    public void artifactCacheHit() {
      hits.incrementAndGet();
    }

    @Override
    public void artifactCacheMiss() {
      misses.incrementAndGet();
    }

    @Override
    public synchronized void artifactEvicted(long bytes) {
      evicted.add(bytes);
    }
  }

  private final Counting listener = new Counting();
  private final AtomicInteger fills = new AtomicInteger();

  private ArtifactDiskCache cache(long maxBytes) {
    return new ArtifactDiskCache(root, maxBytes, listener, clock);
  }

  private ArtifactDiskCache.Filler file(String name, int bytes) {
    return dir -> {
      fills.incrementAndGet();
      try {
        Files.write(dir.resolve(name), new byte[bytes]);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return new RemoteStore.Fetched(name, bytes);
    };
  }

  private void load(ArtifactDiskCache cache, String identity, int bytes) {
    try (StagedArtifact a = cache.get(identity, file(identity + ".onnx", bytes))) {
      assertThat(a.path()).exists();
    }
  }

  @Test
  void secondGetIsAHitThatNeverCallsTheStore() throws Exception {
    ArtifactDiskCache cache = cache(10_000);
    Path first;
    try (StagedArtifact a = cache.get("s3://b/m", file("m.onnx", 100))) {
      first = a.path();
      assertThat(a.sizeBytes()).isEqualTo(100);
      assertThat(first.getFileName().toString()).isEqualTo("m.onnx");
    }
    try (StagedArtifact b = cache.get("s3://b/m", file("m.onnx", 100))) {
      assertThat(b.path()).isEqualTo(first);
    }
    assertThat(fills).hasValue(1);
    assertThat(listener.hits).hasValue(1);
    assertThat(listener.misses).hasValue(1);
    assertThat(cache.usedBytes()).isEqualTo(100);
  }

  @Test
  void evictsLeastRecentlyUsedBytesDownToTheBound() {
    ArtifactDiskCache cache = cache(1000);
    load(cache, "a", 400);
    load(cache, "b", 400);
    load(cache, "a", 400); // a is now more recent than b
    load(cache, "c", 400); // 1200 > 1000: b goes
    assertThat(cache.contains("a")).isTrue();
    assertThat(cache.contains("b")).isFalse();
    assertThat(cache.contains("c")).isTrue();
    assertThat(cache.usedBytes()).isEqualTo(800);
    assertThat(listener.evicted).containsExactly(400L);
    assertThat(entryDirs()).hasSize(2);
  }

  @Test
  void anArtifactHeldByALoadIsNotEvictedUntilReleased() {
    ArtifactDiskCache cache = cache(1000);
    StagedArtifact held = cache.get("a", file("a.onnx", 600));
    StagedArtifact other = cache.get("b", file("b.onnx", 600));
    assertThat(cache.usedBytes()).isEqualTo(1200); // both pinned: over the bound for now
    other.close(); // a is older but pinned, so b goes
    assertThat(held.path()).exists();
    assertThat(cache.contains("b")).isFalse();
    assertThat(cache.usedBytes()).isEqualTo(600);
    held.close();
    held.close(); // idempotent
    assertThat(cache.contains("a")).isTrue();
    load(cache, "c", 600); // now a is unpinned and least recent
    assertThat(cache.contains("a")).isFalse();
    assertThat(cache.usedBytes()).isEqualTo(600);
  }

  @Test
  void aFailedFillLeavesNoEntryAndNoDebris() throws Exception {
    ArtifactDiskCache cache = cache(1000);
    assertThatThrownBy(() -> cache.get("bad", dir -> {
      try {
        Files.write(dir.resolve("partial.onnx"), new byte[10]);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      throw new ModelLoadException("download is truncated");
    })).isInstanceOf(ModelLoadException.class);
    assertThat(cache.contains("bad")).isFalse();
    assertThat(cache.usedBytes()).isZero();
    assertThat(entryDirs()).isEmpty();
    try (Stream<Path> tmp = Files.list(root.resolve("tmp"))) {
      assertThat(tmp).isEmpty();
    }
  }

  @Test
  void survivesARestartKeepingTheLruOrder() {
    ArtifactDiskCache before = cache(10_000);
    load(before, "old", 300);
    load(before, "new", 300);
    load(before, "old", 300); // touched: old is the most recent now
    ArtifactDiskCache after = cache(10_000);
    assertThat(after.entryCount()).isEqualTo(2);
    assertThat(after.usedBytes()).isEqualTo(600);
    load(after, "old", 300);
    assertThat(fills).hasValue(2); // the restart served "old" from disk

    ArtifactDiskCache smaller = cache(400); // shrunk: the least recent ("new") goes at start
    assertThat(smaller.contains("old")).isTrue();
    assertThat(smaller.contains("new")).isFalse();
    assertThat(smaller.usedBytes()).isEqualTo(300);
  }

  @Test
  void startUpDropsLeftoversOfAnInterruptedDownloadAndBrokenEntries() throws Exception {
    ArtifactDiskCache first = cache(10_000);
    load(first, "good", 100);
    Files.createDirectories(root.resolve("tmp/abc-123/data"));
    Files.write(root.resolve("tmp/abc-123/data/half.onnx"), new byte[50]);
    Path broken = Files.createDirectories(root.resolve("entries/0123456789abcdef"));
    Files.writeString(broken.resolve("manifest.properties"), "artifact=x\n");
    ArtifactDiskCache second = cache(10_000);
    assertThat(second.entryCount()).isEqualTo(1);
    assertThat(second.usedBytes()).isEqualTo(100);
    assertThat(broken).doesNotExist();
    assertThat(root.resolve("tmp/abc-123")).doesNotExist();
  }

  @Test
  void concurrentGetsOfOneArtifactDownloadItOnce() throws Exception {
    ArtifactDiskCache cache = cache(10_000);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Thread t = new Thread(() -> load(cache, "shared", 200));
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(fills).hasValue(1);
    assertThat(listener.misses).hasValue(1);
    assertThat(listener.hits).hasValue(3);
  }

  private List<Path> entryDirs() {
    try (Stream<Path> dirs = Files.list(root.resolve("entries"))) {
      return dirs.toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
