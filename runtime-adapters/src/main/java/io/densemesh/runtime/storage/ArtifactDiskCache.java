package io.densemesh.runtime.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloaded artifacts on local disk, bounded in bytes, least recently used evicted first.
 *
 * <p>Design: each artifact is an entry directory {@code entries/<sha256 of its identity>/} holding
 * {@code data/<artifact>} and a {@code manifest.properties} that records the artifact's file
 * count, bytes and content digest ({@link ArtifactTree}). A fill writes into a fresh directory
 * under {@code tmp/}; after the store verified every byte, every file and directory of it is
 * fsynced, it is renamed into {@code entries/} in one atomic move and {@code entries/} is fsynced,
 * so a published entry is complete and durable; a crash leaves only {@code tmp/} debris, which
 * start-up deletes. Start-up also rebuilds the LRU order from the manifests' modification times
 * (touched on every hit), so the cache survives restarts.
 *
 * <p>Trust: start-up drops every entry whose files do not have the recorded count and sizes (a
 * stat per file); the first hit of an entry in a process reads it whole and compares the digest,
 * later hits compare sizes again. A damaged entry is dropped and the artifact fetched again, never
 * loaded. {@code cache.lock} (an OS file lock held until {@link #close}) keeps a second process off
 * the directory, whose start-up would delete this one's downloads in progress.
 *
 * <p>Fills of one identity are serialized (the second waits and then hits); the per-identity lock
 * exists only while in use ({@link KeyedLocks}). Entries held by a load in progress ({@link
 * StagedArtifact} open) are never evicted; the bound is enforced after each fill and release, so
 * while downloads run the cache may exceed it by their size.
 */
public final class ArtifactDiskCache implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ArtifactDiskCache.class);
  private static final String MANIFEST = "manifest.properties";
  private static final String DATA = "data";
  static final String LOCK = "cache.lock";

  /** Writes an artifact under an empty directory; see {@link RemoteStore}. */
  public interface Filler {
    RemoteStore.Fetched fill(Path dir);
  }

  private final Path entriesDir;
  private final Path tmpDir;
  private final long maxBytes;
  private final StorageListener listener;
  private final Clock clock;
  private final Object lock = new Object();
  private final LinkedHashMap<String, Entry> lru = new LinkedHashMap<>(16, 0.75f, true);
  private final KeyedLocks fillLocks = new KeyedLocks();
  private final FileChannel lockFile;
  private long usedBytes; // guarded by lock

  private static final class Entry {
    final String id;
    final Path dir;
    final String artifact;
    final ArtifactTree.Summary recorded;
    final long bytes;
    int pins; // guarded by lock
    volatile boolean verified; // the digest matched in this process

    Entry(String id, Path dir, String artifact, ArtifactTree.Summary recorded) {
      this.id = id;
      this.dir = dir;
      this.artifact = artifact;
      this.recorded = recorded;
      this.bytes = recorded.bytes();
    }

    Path artifactPath() {
      return dir.resolve(DATA).resolve(artifact);
    }
  }

  /**
   * Opens (creating if needed) the cache under {@code root}, keeping what a previous run left.
   *
   * @throws UncheckedIOException when the directory cannot be created or read
   * @throws IllegalStateException when another process uses the directory
   */
  public ArtifactDiskCache(Path root, long maxBytes, StorageListener listener, Clock clock) {
    this.entriesDir = root.toAbsolutePath().normalize().resolve("entries");
    this.tmpDir = root.toAbsolutePath().normalize().resolve("tmp");
    this.maxBytes = maxBytes;
    this.listener = listener;
    this.clock = clock;
    this.lockFile = lockDirectory(root);
    try {
      Files.createDirectories(entriesDir);
      deleteTree(tmpDir);
      Files.createDirectories(tmpDir);
      recover();
    } catch (IOException e) {
      close();
      throw new UncheckedIOException("cannot use artifact cache " + root + ": " + e.getMessage(),
          e);
    }
    List<Path> victims;
    synchronized (lock) {
      victims = evictOverBound();
    }
    victims.forEach(this::discard);
  }

  /**
   * The artifact of {@code identity}, from the cache, or filled by {@code filler} and cached.
   * The result is pinned until closed.
   */
  public StagedArtifact get(String identity, Filler filler) {
    String id = idOf(identity);
    try (KeyedLocks.Held held = fillLocks.lock(id)) {
      StagedArtifact hit = pin(id);
      if (hit != null) {
        listener.artifactCacheHit();
        return hit;
      }
      listener.artifactCacheMiss();
      return fill(id, identity, filler);
    }
  }

  /** Whether an artifact of this identity is cached now (no pin, no LRU touch). */
  public boolean contains(String identity) {
    synchronized (lock) {
      return lru.containsKey(idOf(identity));
    }
  }

  public long usedBytes() {
    synchronized (lock) {
      return usedBytes;
    }
  }

  public long maxBytes() {
    return maxBytes;
  }

  public int entryCount() {
    synchronized (lock) {
      return lru.size();
    }
  }

  /** Caller holds the identity's fill lock. A hit only if the entry checks out. */
  private StagedArtifact pin(String id) {
    Entry entry;
    synchronized (lock) {
      entry = lru.get(id);
      if (entry == null) {
        return null;
      }
      entry.pins++;
    }
    String damage = damage(entry);
    if (damage != null) {
      log.warn("artifact cache: entry {} ({}) is damaged: {}; dropping it and fetching again",
          id, entry.artifact, damage);
      synchronized (lock) {
        entry.pins--;
        if (lru.remove(id, entry)) {
          usedBytes -= entry.bytes;
        }
      }
      discard(entry.dir);
      listener.artifactCacheDamaged();
      return null;
    }
    entry.verified = true;
    touch(entry);
    return new Pinned(entry);
  }

  /** Why the entry cannot be trusted, or null: sizes always, the digest once per process. */
  private static String damage(Entry entry) {
    try {
      ArtifactTree.Summary now = entry.verified
          ? ArtifactTree.sizes(entry.artifactPath())
          : ArtifactTree.digest(entry.artifactPath());
      return now.mismatch(entry.recorded);
    } catch (IOException e) {
      return "unreadable (" + e.getMessage() + ")";
    }
  }

  private StagedArtifact fill(String id, String identity, Filler filler) {
    Path work;
    try {
      work = Files.createTempDirectory(tmpDir, id.substring(0, 8) + "-");
      Files.createDirectories(work.resolve(DATA));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a download directory under " + tmpDir, e);
    }
    try {
      RemoteStore.Fetched fetched = filler.fill(work.resolve(DATA));
      ArtifactTree.Summary summary =
          ArtifactTree.digest(work.resolve(DATA).resolve(fetched.relativePath()));
      writeManifest(work, identity, fetched.relativePath(), summary);
      ArtifactTree.force(work); // data and manifest on disk before the entry is published
      Path dir = entriesDir.resolve(id);
      if (Files.exists(dir)) {
        discard(dir); // a leftover the index does not know (unreadable manifest)
      }
      Files.move(work, dir, StandardCopyOption.ATOMIC_MOVE);
      ArtifactTree.forceOne(entriesDir);
      Entry entry = new Entry(id, dir, fetched.relativePath(), summary);
      entry.verified = true;
      List<Path> victims;
      synchronized (lock) {
        entry.pins = 1;
        lru.put(id, entry);
        usedBytes += entry.bytes;
        victims = evictOverBound();
      }
      victims.forEach(this::discard);
      return new Pinned(entry);
    } catch (IOException e) {
      discard(work);
      throw new UncheckedIOException("cannot store a download in " + entriesDir + ": "
          + e.getMessage(), e);
    } catch (RuntimeException | Error e) {
      discard(work);
      throw e;
    }
  }

  private void release(Entry entry) {
    List<Path> victims;
    synchronized (lock) {
      entry.pins--;
      victims = evictOverBound();
    }
    victims.forEach(this::discard);
  }

  /** Caller holds lock. Drops unpinned entries, least recently used first, down to the bound. */
  private List<Path> evictOverBound() {
    List<Path> victims = new ArrayList<>();
    for (Iterator<Entry> it = lru.values().iterator(); it.hasNext() && usedBytes > maxBytes; ) {
      Entry e = it.next();
      if (e.pins == 0) {
        it.remove();
        usedBytes -= e.bytes;
        victims.add(e.dir);
        listener.artifactEvicted(e.bytes);
      }
    }
    return victims;
  }

  private void recover() throws IOException {
    record Found(Entry entry, FileTime used) {}
    List<Found> found = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(entriesDir)) {
      for (Path dir : dirs.toList()) {
        Entry entry = readManifest(dir);
        String damage = entry == null ? "its manifest is unreadable or from an older version"
            : ArtifactTree.sizes(entry.artifactPath()).mismatch(entry.recorded);
        if (damage != null) {
          log.warn("artifact cache: dropping entry {}: {}", dir.getFileName(), damage);
          discard(dir);
          listener.artifactCacheDamaged();
        } else {
          found.add(new Found(entry, Files.getLastModifiedTime(dir.resolve(MANIFEST))));
        }
      }
    }
    found.sort(Comparator.comparing(Found::used));
    synchronized (lock) {
      for (Found f : found) {
        lru.put(f.entry.id, f.entry);
        usedBytes += f.entry.bytes;
      }
    }
    if (!found.isEmpty()) {
      log.info("artifact cache: {} entries, {} bytes kept from a previous run", found.size(),
          usedBytes());
    }
  }

  private static Entry readManifest(Path dir) {
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(dir.resolve(MANIFEST))) {
      p.load(in);
      String artifact = p.getProperty("artifact");
      String sha256 = p.getProperty("sha256");
      ArtifactTree.Summary recorded = new ArtifactTree.Summary(
          Integer.parseInt(p.getProperty("files")), Long.parseLong(p.getProperty("bytes")),
          sha256);
      Entry entry = new Entry(dir.getFileName().toString(), dir, artifact, recorded);
      return artifact != null && sha256 != null && Files.exists(entry.artifactPath())
          ? entry : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private void writeManifest(Path work, String identity, String artifact,
      ArtifactTree.Summary summary) throws IOException {
    Properties p = new Properties();
    p.setProperty("identity", identity.replace('\n', ' '));
    p.setProperty("artifact", artifact);
    p.setProperty("files", Integer.toString(summary.files()));
    p.setProperty("bytes", Long.toString(summary.bytes()));
    p.setProperty("sha256", summary.sha256());
    p.setProperty("stored", clock.instant().toString());
    try (OutputStream out = Files.newOutputStream(work.resolve(MANIFEST))) {
      p.store(out, "DenseMesh artifact cache entry");
    }
    // The LRU order survives restarts as manifest times, all from the injected clock.
    Files.setLastModifiedTime(work.resolve(MANIFEST), FileTime.from(clock.instant()));
  }

  private void touch(Entry entry) {
    try {
      Files.setLastModifiedTime(entry.dir.resolve(MANIFEST), FileTime.from(clock.instant()));
    } catch (IOException e) {
      log.debug("cannot touch {}: {}", entry.dir, e.getMessage());
    }
  }

  /** Moves a directory out of entries/ first (atomic), then deletes it. */
  private void discard(Path dir) {
    try {
      Path target = dir;
      if (dir.startsWith(entriesDir)) {
        target = tmpDir.resolve("gone-" + dir.getFileName() + "-" + System.nanoTime());
        try {
          Files.move(dir, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
          target = dir;
        }
      }
      deleteTree(target);
    } catch (IOException e) {
      log.warn("artifact cache: cannot delete {}: {}", dir, e.getMessage());
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  static String idOf(String identity) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(identity.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
  }

  private static FileChannel lockDirectory(Path root) {
    try {
      Files.createDirectories(root);
      FileChannel ch = FileChannel.open(root.resolve(LOCK), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE);
      FileLock held;
      try {
        held = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        held = null;
      }
      if (held == null) {
        ch.close();
        throw new IllegalStateException("the artifact cache " + root + " is in use by another"
            + " node (" + root.resolve(LOCK) + " is locked): one node per cache directory");
      }
      return ch;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot lock artifact cache " + root + ": " + e.getMessage(),
          e);
    }
  }

  /** Releases the directory for another process; entries stay on disk for the next start. */
  @Override
  public void close() {
    try {
      lockFile.close(); // releases the lock
    } catch (IOException e) {
      log.warn("artifact cache: closing {}: {}", LOCK, e.getMessage());
    }
  }

  /** Identities with a fill lock held or waited for now (for tests of boundedness). */
  int fillLocksInUse() {
    return fillLocks.size();
  }

  /** An open hold on a cache entry. */
  private final class Pinned implements StagedArtifact {
    private final Entry entry;
    private boolean closed;

    Pinned(Entry entry) {
      this.entry = entry;
    }

    @Override
    public Path path() {
      return entry.artifactPath();
    }

    @Override
    public long sizeBytes() {
      return entry.bytes;
    }

    @Override
    public synchronized void close() {
      if (!closed) {
        closed = true;
        release(entry);
      }
    }
  }
}
