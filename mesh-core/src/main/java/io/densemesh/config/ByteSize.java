package io.densemesh.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses byte sizes given as options: {@code 512m}, {@code 2g}, {@code 2Gi}, {@code 64KiB},
 * {@code 1048576}. Suffixes are binary (k = 1024). Printing is {@link io.densemesh.units.ByteSizes}.
 */
public final class ByteSize {

  private static final Pattern FORMAT =
      Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)(?:i?b?)?", Pattern.CASE_INSENSITIVE);

  private ByteSize() {}

  /** @throws ConfigException naming the option when the text is not a size */
  public static long parse(String option, String text) {
    Matcher m = FORMAT.matcher(text.trim());
    if (!m.matches()) {
      throw new ConfigException(
          option + ": '" + text + "' is not a size (examples: 512m, 2g, 1048576)");
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
      throw new ConfigException(option + ": '" + text + "' is too large");
    }
    return (long) bytes;
  }
}
