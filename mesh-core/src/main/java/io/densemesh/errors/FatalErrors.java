package io.densemesh.errors;

import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JVM {@link Error}s ({@code OutOfMemoryError}, {@code StackOverflowError}, a native library's
 * {@code LinkageError}...) leave the process in a state nothing can vouch for: they are not
 * answered as INTERNAL and served on, they end the process after one log line, with exit code
 * {@link #EXIT_CODE}, for the orchestrator to restart it (the mesh moves its models meanwhile).
 * The process halts rather than exits: shutdown hooks (the drain) could block forever in a JVM
 * out of memory.
 */
public final class FatalErrors {

  private static final Logger log = LoggerFactory.getLogger(FatalErrors.class);

  /** {@code EX_SOFTWARE} from sysexits.h: an internal software error. */
  public static final int EXIT_CODE = 70;

  private static volatile Consumer<Error> end = e -> Runtime.getRuntime().halt(EXIT_CODE);

  private FatalErrors() {}

  /** Logs {@code error} and ends the process. */
  public static void exit(Error error) {
    try {
      log.error("fatal {}; the process ends (exit code {}) for its orchestrator to restart it",
          error, EXIT_CODE, error);
    } finally {
      end.accept(error);
    }
  }

  /**
   * Replaces what ends the process, for tests that check an Error reaches here without ending
   * the test JVM; returns the previous action so the test can put it back.
   */
  public static Consumer<Error> replaceEnd(Consumer<Error> action) {
    Consumer<Error> previous = end;
    end = action;
    return previous;
  }
}
