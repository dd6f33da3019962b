package io.densemesh.cli.support;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one syntax for durations and byte sizes, shared by every command and configuration record.
 * Durations: {@code 500us}, {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 2d} or
 * ISO-8601 ({@code PT30S}). Sizes: {@code 512m}, {@code 2g}, {@code 2Gi}, {@code 64KiB}, {@code 1048576};
 * suffixes are binary (k = 1024). Malformed text is an {@link IllegalArgumentException} with a
 * one-line message that quotes it and gives examples.
 */
public final class Units {

  /** What --help says about the syntax. */
  public static final String SYNTAX =
      "Durations: 500us, 500ms, 30s, 5m, 1h, 2d or ISO-8601 (PT30S). Sizes: 512m, 2g, 2Gi,"
          + " 1048576 (binary: k = 1024).";

  private static final Pattern SIZE =
      Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)(?:i?b?)?", Pattern.CASE_INSENSITIVE);
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(us|\u00b5s|ms|s|m|h|d)");

  private Units() {}

  /** @throws IllegalArgumentException when the text is not a duration */
  public static Duration duration(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    try {
      if (t.startsWith("p")) {
        return Duration.parse(t.toUpperCase(Locale.ROOT));
      }
      Matcher m = DURATION.matcher(t);
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
          case "us", "\u00b5s" -> Duration.ofNanos(Math.multiplyExact(n, 1000L));
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          default -> Duration.ofDays(n);
        };
      }
    } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
      // falls through to the one message below
    }
    throw new IllegalArgumentException(
        "'" + text + "' is not a duration (examples: 500ms, 30s, 5m, 1h)");
  }

  /** @throws IllegalArgumentException when the text is not a size or does not fit a long */
  public static long bytes(String text) {
    Matcher m = SIZE.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a size (examples: 512m, 2g, 1048576)");
    }
    double number = Double.parseDouble(m.group(1));
    int shift =
        switch (m.group(2).toLowerCase(Locale.ROOT)) {
          case "k" -> 10;
          case "m" -> 20;
          case "g" -> 30;
          case "t" -> 40;
          default -> 0;
        };
    double bytes = number * (1L << shift);
    if (bytes >= Long.MAX_VALUE) {
      throw new IllegalArgumentException("'" + text + "' is too large");
    }
    return (long) bytes;
  }
}
