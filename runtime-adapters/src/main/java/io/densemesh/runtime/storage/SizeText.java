package io.densemesh.runtime.storage;

import java.util.Locale;

/** Byte counts for messages: {@code 512 B}, {@code 1.5 MiB}. */
final class SizeText {

  private SizeText() {}

  static String of(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double value = bytes;
    int unit = -1;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
  }
}
