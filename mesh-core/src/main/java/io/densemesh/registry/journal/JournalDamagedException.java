package io.densemesh.registry.journal;

import java.nio.file.Path;

/**
 * The journal is damaged before its last entry: starting would silently drop acknowledged
 * registrations, so the start stops. The message names the file, the offset and how to recover.
 */
public final class JournalDamagedException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final long offset;

  JournalDamagedException(String file, long offset, int entriesBefore, String reason) {
    super("registry journal " + file + " is damaged at byte offset " + offset + " (after "
        + entriesBefore + " good entries): " + reason + ". Valid entries follow the damage, so"
        + " starting would drop acknowledged registrations; the node refuses to start. To recover:"
        + " restore the file from a backup; or keep the " + entriesBefore + " entries before the"
        + " damage with `truncate -s " + offset + " " + file + "` (the registrations after it are"
        + " lost and must be made again); or move the file aside to start with an empty registry.");
    this.offset = offset;
  }

  /** Where the first damaged entry starts. */
  public long offset() {
    return offset;
  }

  static JournalDamagedException at(Path file, long offset, int entriesBefore, String reason) {
    return new JournalDamagedException(file.toString(), offset, entriesBefore, reason);
  }
}
