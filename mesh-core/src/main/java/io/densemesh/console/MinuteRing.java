package io.densemesh.console;

import java.util.ArrayList;
import java.util.List;

/**
 * Requests, errors and copies per minute over the last {@code size} minutes, in a fixed ring:
 * slot {@code minute % size} holds that minute once it is written, and a slot left over from an
 * older lap is reset on its first write. Synchronised: writers are requests of one model, cheap.
 */
final class MinuteRing {

  /**
   * One minute's figures.
   *
   * @param minute minutes since the epoch
   * @param copies loaded copies in the mesh when last sampled in that minute (-1: not sampled)
   */
  record Minute(long minute, long requests, long errors, int copies) {}

  private final long[] minutes;
  private final long[] requests;
  private final long[] errors;
  private final int[] copies;

  MinuteRing(int size) {
    minutes = new long[size];
    requests = new long[size];
    errors = new long[size];
    copies = new int[size];
    java.util.Arrays.fill(minutes, -1);
  }

  synchronized void add(long minute, long requestCount, long errorCount) {
    int i = slot(minute);
    requests[i] += requestCount;
    errors[i] += errorCount;
  }

  synchronized void copies(long minute, int count) {
    copies[slot(minute)] = count;
  }

  private int slot(long minute) {
    int i = (int) Math.floorMod(minute, (long) minutes.length);
    if (minutes[i] != minute) {
      minutes[i] = minute;
      requests[i] = 0;
      errors[i] = 0;
      copies[i] = -1;
    }
    return i;
  }

  /** The minutes of the last lap ending at {@code now}, oldest first. */
  synchronized List<Minute> last(long now) {
    List<Minute> out = new ArrayList<>();
    for (long m = now - minutes.length + 1; m <= now; m++) {
      int i = (int) Math.floorMod(m, (long) minutes.length);
      if (minutes[i] == m) {
        out.add(new Minute(m, requests[i], errors[i], copies[i]));
      }
    }
    return out;
  }
}
