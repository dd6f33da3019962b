package io.densemesh.registry.journal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.densemesh.api.registry.JournalEntry;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Journal replay on arbitrary bytes: it either returns the valid prefix (and says where it ends)
 * or refuses with {@link JournalDamagedException}; nothing else escapes, and a replay's valid
 * prefix replays again to the same entries with nothing torn. Corpus: JournalReplayFuzzTestInputs.
 */
class JournalReplayFuzzTest {

  private static final Path NAME = Path.of("registry.journal");

  @FuzzTest(maxDuration = "30s")
  void replayAcceptsAValidPrefixOrRefusesWithAnOffset(byte[] bytes) {
    List<JournalEntry> entries = new ArrayList<>();
    JournalFormat.Replay replay;
    try {
      replay = JournalFormat.read(ByteBuffer.wrap(bytes), NAME, entries::add);
    } catch (JournalDamagedException e) {
      assertThat(e.offset()).isBetween(0L, (long) bytes.length);
      return;
    }
    assertThat(replay.entries()).isEqualTo(entries.size());
    assertThat(replay.validEnd() + replay.tornBytes()).isEqualTo(bytes.length);

    List<JournalEntry> again = new ArrayList<>();
    JournalFormat.Replay prefix = JournalFormat.read(
        ByteBuffer.wrap(bytes, 0, (int) replay.validEnd()).slice(), NAME, again::add);
    assertThat(prefix.tornBytes()).isZero();
    assertThat(again).isEqualTo(entries);
  }
}
