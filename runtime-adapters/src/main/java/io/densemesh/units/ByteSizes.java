package io.densemesh.units;

import java.util.Locale;

/** Byte counts as people read them in messages and logs: {@code 512 B}, {@code 1.5 MiB}. */
public final class ByteSizes {

  private static final String[] UNITS = {"KiB", "MiB", "GiB", "TiB"};

  private ByteSizes() {}

  /** Binary units with one decimal, e.g. {@code 512.0 MiB}; below 1 KiB in bytes. */
  public static String format(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    double value = bytes;
    int unit = -1;
    while (value >= 1024 && unit < UNITS.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, "%.1f %s", value, UNITS[unit]);
  }
}
