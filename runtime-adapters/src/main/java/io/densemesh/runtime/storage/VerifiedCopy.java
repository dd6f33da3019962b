package io.densemesh.runtime.storage;

import io.densemesh.runtime.error.ModelLoadException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Streams one remote file to disk under a {@link TransferBudget}, computing its MD5 on the way,
 * and fails unless the bytes match what the store announced: the length when known, the MD5 when
 * the store gave one. A failed copy leaves a file the caller deletes (it is in a temp directory).
 */
final class VerifiedCopy {

  private static final int BUFFER = 64 * 1024;

  private VerifiedCopy() {}

  /**
   * @param expectedBytes the announced length, or -1 when unknown
   * @param expectedMd5Hex the announced MD5 as hex, or null when the store gave none
   * @return bytes written
   */
  static long copy(InputStream in, Path target, long expectedBytes, String expectedMd5Hex,
      TransferBudget budget, String what) {
    MessageDigest md5 = md5();
    long written = 0;
    try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE)) {
      byte[] buffer = new byte[BUFFER];
      int n;
      while ((n = in.read(buffer)) >= 0) {
        budget.charge(n);
        md5.update(buffer, 0, n);
        out.write(buffer, 0, n);
        written += n;
      }
    } catch (IOException e) {
      if (budget.expired()) {
        throw budget.timedOut();
      }
      throw new ModelLoadException("download of " + what + " failed after " + written
          + " bytes: " + e.getMessage(), e);
    }
    if (expectedBytes >= 0 && written != expectedBytes) {
      throw new ModelLoadException("download of " + what + " is truncated or too long: got "
          + written + " bytes, the store announced " + expectedBytes);
    }
    if (expectedMd5Hex != null) {
      String actual = HexFormat.of().formatHex(md5.digest());
      if (!actual.equals(expectedMd5Hex.toLowerCase(Locale.ROOT))) {
        throw new ModelLoadException("download of " + what + " is corrupt: MD5 " + actual
            + ", the store announced " + expectedMd5Hex);
      }
    }
    return written;
  }

  private static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks MD5", e);
    }
  }
}
