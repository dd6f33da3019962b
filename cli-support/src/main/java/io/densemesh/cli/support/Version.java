package io.densemesh.cli.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** {@code --version}: the build's version (filtered into a resource at build time) and the JVM. */
public final class Version implements IVersionProvider {

  /** The DenseMesh version this was built as, e.g. {@code 0.1.0-SNAPSHOT}. */
  public static String number() {
    try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String[] getVersion() {
    return new String[] {"densemesh " + number() + " (Java " + Runtime.version() + ", "
        + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ")"};
  }
}
