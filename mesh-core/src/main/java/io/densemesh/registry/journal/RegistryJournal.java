package io.densemesh.registry.journal;

import io.densemesh.api.registry.JournalEntry;
import io.densemesh.runtime.error.UnavailableException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal file of the embedded registry ({@code registry.journal} in the data directory), in
 * {@link JournalFormat}, and the lock ({@code registry.lock}) that keeps a second process off the
 * directory for as long as this one holds it open.
 *
 * <p>Durability contract: {@link #append} returns only after the entry is on disk (fdatasync);
 * when it throws, the file is as it was before the call (the partial bytes are truncated away) and
 * nothing was recorded. If even the truncation fails, the journal refuses every later write, so
 * nothing is ever appended after partial bytes; the next start then sees them as a torn tail.
 * {@link #rewrite} (compaction) writes a temp file, fsyncs it, renames it over the journal and
 * fsyncs the directory, so a crash leaves either the old or the new journal, never a mix.
 *
 * <p>Not thread-safe: the registry serializes its writes.
 */
public final class RegistryJournal implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RegistryJournal.class);
  public static final String FILE = "registry.journal";
  public static final String LOCK = "registry.lock";

  private final Path dir;
  private final Path path;
  private final UnaryOperator<FileChannel> channels;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private FileChannel channel;
  private long end;
  private boolean broken;
  private boolean closed;

  private RegistryJournal(Path dir, UnaryOperator<FileChannel> channels, FileChannel lockChannel,
      FileLock lock) {
    this.dir = dir;
    this.path = dir.resolve(FILE);
    this.channels = channels;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * Locks {@code dir}, replays its journal into {@code sink} and truncates a torn tail.
   *
   * @throws JournalDamagedException when damage precedes acknowledged entries
   * @throws UnavailableException when another process holds the directory or the file cannot be read
   */
  public static RegistryJournal open(Path dir, Consumer<JournalEntry> sink) {
    return open(dir, sink, UnaryOperator.identity());
  }

  /** As {@link #open(Path, Consumer)}, every write channel passed through {@code channels}. */
  static RegistryJournal open(Path dir, Consumer<JournalEntry> sink,
      UnaryOperator<FileChannel> channels) {
    FileChannel lockChannel = null;
    try {
      Files.createDirectories(dir);
      lockChannel = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE);
      FileLock lock = tryLock(lockChannel, dir);
      RegistryJournal journal = new RegistryJournal(dir, channels, lockChannel, lock);
      journal.replay(sink);
      return journal;
    } catch (IOException e) {
      closeQuietly(lockChannel);
      throw new UnavailableException("cannot open the registry journal in " + dir + ": "
          + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(lockChannel);
      throw e;
    }
  }

  private static FileLock tryLock(FileChannel lockChannel, Path dir) throws IOException {
    FileLock lock;
    try {
      lock = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      throw new UnavailableException("the data directory " + dir + " is in use by another node ("
          + dir.resolve(LOCK) + " is locked): one node per data directory");
    }
    return lock;
  }

  private void replay(Consumer<JournalEntry> sink) throws IOException {
    if (!Files.exists(path) || Files.size(path) == 0) {
      try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE,
          StandardOpenOption.WRITE)) {
        writeFully(ch, JournalFormat.fileHeader());
        ch.force(true);
      }
      forceDirectory(dir);
      openForAppend();
      return;
    }
    JournalFormat.Replay replay;
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size > Integer.MAX_VALUE) {
        throw new UnavailableException("registry journal " + path + " is " + size
            + " bytes; the most it can be is 2 GiB");
      }
      MappedByteBuffer bytes = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
      replay = JournalFormat.read(bytes, path, sink);
    }
    if (replay.tornBytes() > 0) {
      log.warn("registry journal {}: the last {} bytes after offset {} are a torn write (a crash"
          + " before it was acknowledged); truncating them", path, replay.tornBytes(),
          replay.validEnd());
      try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
        ch.truncate(replay.validEnd());
        ch.force(true);
      }
    }
    log.info("registry journal {}: {} entries replayed{}", path, replay.entries(),
        replay.legacy() ? " (first format, to be rewritten with checksums)" : "");
    if (!replay.legacy()) {
      openForAppend();
    }
  }

  private void openForAppend() throws IOException {
    channel = channels.apply(FileChannel.open(path, StandardOpenOption.WRITE));
    end = channel.size();
  }

  /** Writes {@code entry} and forces it to disk; on failure the file is left as it was. */
  public void append(JournalEntry entry) {
    if (closed) {
      throw new UnavailableException("registry is closed");
    }
    if (channel == null) {
      throw new IllegalStateException("a journal of the first format is rewritten before appends");
    }
    if (broken) {
      throw new UnavailableException("registry journal " + path + " refuses writes after a failed"
          + " write could not be undone; restart the node");
    }
    ByteBuffer bytes = JournalFormat.encode(entry);
    try {
      long at = end;
      while (bytes.hasRemaining()) {
        at += channel.write(bytes, at);
      }
      channel.force(false);
      end = at;
    } catch (IOException e) {
      undo();
      throw new UnavailableException("registry journal write failed, nothing was recorded: "
          + e.getMessage(), e);
    }
  }

  private void undo() {
    try {
      channel.truncate(end);
      channel.force(true);
    } catch (IOException e) {
      broken = true;
      log.error("registry journal {}: cannot truncate a failed write back to {} ({}); refusing"
          + " further writes", path, end, e.getMessage());
    }
  }

  /**
   * Replaces the journal with {@code entries} (compaction), durably, and appends after them. A
   * journal of the first format must be rewritten before the first append.
   */
  public void rewrite(List<JournalEntry> entries) {
    Path tmp = dir.resolve(FILE + ".tmp");
    try {
      try (FileChannel ch = channels.apply(FileChannel.open(tmp, StandardOpenOption.CREATE,
          StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING))) {
        writeFully(ch, JournalFormat.fileHeader());
        for (JournalEntry entry : entries) {
          writeFully(ch, JournalFormat.encode(entry));
        }
        ch.force(true);
      }
      closeQuietly(channel);
      channel = null;
      Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      forceDirectory(dir);
      openForAppend();
      broken = false;
    } catch (IOException e) {
      throw new UnavailableException("cannot compact the registry journal " + path + ": "
          + e.getMessage(), e);
    }
  }

  private static void writeFully(FileChannel ch, ByteBuffer bytes) throws IOException {
    while (bytes.hasRemaining()) {
      ch.write(bytes);
    }
  }

  /** fsync of a directory: makes a rename or a new file in it durable (Linux, macOS). */
  public static void forceDirectory(Path dir) throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }

  /** The journal file. */
  public Path path() {
    return path;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    closeQuietly(channel);
    try {
      lock.release();
    } catch (IOException e) {
      log.warn("releasing {}: {}", dir.resolve(LOCK), e.getMessage());
    }
    closeQuietly(lockChannel);
  }

  private static void closeQuietly(FileChannel ch) {
    if (ch == null) {
      return;
    }
    try {
      ch.close();
    } catch (IOException e) {
      log.warn("closing a registry journal file: {}", e.getMessage());
    }
  }
}
