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
import org.junit.jupiter.api.AfterEach;
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
    final AtomicInteger damaged = new AtomicInteger();

    @Override
    public void artifactCacheDamaged() {
      damaged.incrementAndGet();
    }

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

  private ArtifactDiskCache open;

  /** Opens the cache on {@code root}; the one opened before is closed first (a restart). */
  private ArtifactDiskCache cache(long maxBytes) {
    if (open != null) {
      open.close();
    }
    open = new ArtifactDiskCache(root, maxBytes, listener, clock);
    return open;
  }

  @AfterEach
  void closeCache() {
    if (open != null) {
      open.close();
    }
  }

  private ArtifactDiskCache.Filler file(String name, int bytes) {
    return dir -> {
      fills.incrementAndGet();
      try {
        byte[] content = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
          content[i] = (byte) (name.hashCode() + i * 31);
        }
        Files.write(dir.resolve(name), content);
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

  private Path artifactOf(String identity) {
    return root.resolve("entries").resolve(ArtifactDiskCache.idOf(identity)).resolve("data")
        .resolve(identity + ".onnx");
  }

  @Test
  void anEntryRecordsItsSizeAndDigestWhenItIsPublished() throws IOException {
    ArtifactDiskCache cache = cache(10_000);
    load(cache, "m", 300);
    String manifest = Files.readString(artifactOf("m").getParent().getParent()
        .resolve("manifest.properties"));
    assertThat(manifest).contains("bytes=300").contains("files=1")
        .containsPattern("sha256=[0-9a-f]{64}");
  }

  @Test
  void aTruncatedEntryIsDroppedAtStartAndFetchedAgainNotLoaded() throws IOException {
    load(cache(10_000), "m", 300);
    try (var f = new java.io.RandomAccessFile(artifactOf("m").toFile(), "rw")) {
      f.setLength(120); // a crash before the data reached the disk
    }
    ArtifactDiskCache restarted = cache(10_000);
    assertThat(restarted.contains("m")).isFalse();
    assertThat(listener.damaged).hasValue(1);
    try (StagedArtifact a = restarted.get("m", file("m.onnx", 300))) {
      assertThat(Files.size(a.path())).isEqualTo(300);
    }
    assertThat(fills).hasValue(2);
  }

  @Test
  void damagedContentOfTheSameSizeIsCaughtByTheDigestBeforeTheFirstHit() throws IOException {
    load(cache(10_000), "m", 300);
    byte[] bytes = Files.readAllBytes(artifactOf("m"));
    bytes[150] ^= 0x01;
    Files.write(artifactOf("m"), bytes);
    ArtifactDiskCache restarted = cache(10_000);
    assertThat(restarted.contains("m")).as("sizes match at start").isTrue();
    try (StagedArtifact a = restarted.get("m", file("m.onnx", 300))) {
      assertThat(Files.readAllBytes(a.path())).isNotEqualTo(bytes);
    }
    assertThat(fills).as("fetched again").hasValue(2);
    assertThat(listener.damaged).hasValue(1);
    assertThat(listener.hits).hasValue(0);
  }

  @Test
  void anEntryShortenedWhileTheNodeRunsIsFetchedAgainOnItsNextHit() throws IOException {
    ArtifactDiskCache cache = cache(10_000);
    load(cache, "m", 300);
    Files.write(artifactOf("m"), new byte[10]);
    load(cache, "m", 300);
    assertThat(fills).hasValue(2);
    assertThat(cache.usedBytes()).isEqualTo(300);
    assertThat(Files.size(artifactOf("m"))).isEqualTo(300);
  }

  @Test
  void aSecondCacheOnTheSameDirectoryIsRefused() {
    cache(10_000);
    assertThatThrownBy(() -> new ArtifactDiskCache(root, 10_000, listener, clock))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("in use by another node");
  }

  /** Each failed fill touches the disk; KeyedLocksTest shows the structure bounded at 100k keys. */
  @Test
  void noFillLockOutlivesItsFillAfterManyDistinctFailedIdentities() {
    ArtifactDiskCache cache = cache(10_000);
    for (int i = 0; i < 1_000; i++) {
      int n = i;
      assertThatThrownBy(() -> cache.get("s3://bucket/missing-" + n, dir -> {
        throw new ModelLoadException("no such key");
      })).isInstanceOf(ModelLoadException.class);
    }
    assertThat(cache.fillLocksInUse()).isZero();
  }
}
