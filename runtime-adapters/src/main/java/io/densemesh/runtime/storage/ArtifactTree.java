package io.densemesh.runtime.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * What an artifact on disk is (a file or a directory tree): its file count, bytes and a SHA-256
 * over every file's relative path, size and content in path order. The cache records this when it
 * stores an entry and compares it before trusting the entry again. Also makes a tree durable:
 * every file and directory fsynced, the step before an entry is published.
 */
final class ArtifactTree {

  /** {@code sha256} is null when only sizes were read. */
  record Summary(int files, long bytes, String sha256) {

    /** What differs from {@code recorded}, or null when it matches. */
    String mismatch(Summary recorded) {
      if (files != recorded.files || bytes != recorded.bytes) {
        return files + " files of " + bytes + " bytes where " + recorded.files + " files of "
            + recorded.bytes + " bytes were stored";
      }
      if (sha256 != null && recorded.sha256 != null && !sha256.equals(recorded.sha256)) {
        return "content digest " + sha256 + " where " + recorded.sha256 + " was stored";
      }
      return null;
    }
  }

  private ArtifactTree() {}

  /** File count and bytes only: a stat per file. */
  static Summary sizes(Path root) throws IOException {
    int files = 0;
    long bytes = 0;
    for (Path file : files(root)) {
      files++;
      bytes += Files.size(file);
    }
    return new Summary(files, bytes, null);
  }

  /** Reads every byte. */
  static Summary digest(Path root) throws IOException {
    MessageDigest sha = sha256();
    byte[] buf = new byte[1 << 16];
    int files = 0;
    long bytes = 0;
    for (Path file : files(root)) {
      long size = Files.size(file);
      files++;
      bytes += size;
      sha.update(root.relativize(file).toString().getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(Long.toString(size).getBytes(StandardCharsets.US_ASCII));
      sha.update((byte) 0);
      try (InputStream in = Files.newInputStream(file)) {
        for (int n; (n = in.read(buf)) > 0; ) {
          sha.update(buf, 0, n);
        }
      }
    }
    return new Summary(files, bytes, HexFormat.of().formatHex(sha.digest()));
  }

  /** fsyncs every file and directory under {@code root}, and {@code root}. */
  static void force(Path root) throws IOException {
    List<Path> all;
    try (Stream<Path> paths = Files.walk(root)) {
      all = paths.sorted(Comparator.reverseOrder()).toList(); // children before their directory
    }
    for (Path p : all) {
      forceOne(p);
    }
  }

  /** fsync of one file or directory (for a directory: its entries, e.g. a rename into it). */
  static void forceOne(Path p) throws IOException {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  private static List<Path> files(Path root) throws IOException {
    if (Files.isRegularFile(root)) {
      return List.of(root);
    }
    try (Stream<Path> paths = Files.walk(root)) {
      return paths.filter(Files::isRegularFile).sorted(Comparator.comparing(Path::toString))
          .toList();
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
  }
}
