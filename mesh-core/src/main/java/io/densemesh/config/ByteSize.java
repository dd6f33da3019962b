package io.densemesh.config;

import io.densemesh.cli.support.Units;

/**
 * Parses byte sizes given as options with the one shared syntax ({@link Units#bytes}): {@code 512m},
 * {@code 2g}, {@code 2Gi}, {@code 64KiB}, {@code 1048576}. Printing is
 * {@link io.densemesh.units.ByteSizes}.
 */
public final class ByteSize {

  private ByteSize() {}

  /** @throws ConfigException naming the option when the text is not a size */
  public static long parse(String option, String text) {
    try {
      return Units.bytes(text);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(option + ": " + e.getMessage());
    }
  }
}
