package io.densemesh.registry.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.api.registry.JournalEntry;
import io.densemesh.api.registry.ModelRecord;
import io.densemesh.runtime.error.UnavailableException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryJournalTest {

  @TempDir Path dir;

  private static JournalEntry put(String id) {
    return JournalEntry.newBuilder().setPutModel(ModelRecord.newBuilder().setModelId(id)
        .setType("onnx").setPath("/models/" + id)).build();
  }

  private static List<String> ids(List<JournalEntry> entries) {
    return entries.stream().map(e -> e.getPutModel().getModelId()).toList();
  }

  /** Opens the journal, returns what it replayed, and closes it. */
  private List<JournalEntry> replay() {
    List<JournalEntry> seen = new ArrayList<>();
    RegistryJournal.open(dir, seen::add).close();
    return seen;
  }

  /** A fresh journal holding m0..m(n-1); returns the byte offset where each entry starts. */
  private long[] journalOf(int n) throws IOException {
    long[] starts = new long[n];
    try (RegistryJournal journal = RegistryJournal.open(dir, e -> { })) {
      journal.rewrite(List.of());
      for (int i = 0; i < n; i++) {
        starts[i] = Files.size(journal.path());
        journal.append(put("m" + i));
      }
    }
    return starts;
  }

  private Path file() {
    return dir.resolve(RegistryJournal.FILE);
  }

  @Test
  void appendedEntriesAreReplayedInOrder() throws IOException {
    journalOf(5);
    assertThat(ids(replay())).containsExactly("m0", "m1", "m2", "m3", "m4");
  }

  @Test
  void aTornLastWriteIsTruncatedAndTheJournalStartsWithEverythingBeforeIt() throws IOException {
    long[] starts = journalOf(3);
    long full = Files.size(file());
    long cut = starts[2] + (full - starts[2]) / 2;
    try (RandomAccessFile f = new RandomAccessFile(file().toFile(), "rw")) {
      f.setLength(cut);
    }

    List<JournalEntry> seen = new ArrayList<>();
    try (RegistryJournal journal = RegistryJournal.open(dir, seen::add)) {
      assertThat(ids(seen)).containsExactly("m0", "m1");
      assertThat(Files.size(file())).as("torn bytes truncated").isEqualTo(starts[2]);
      journal.append(put("m9"));
    }
    assertThat(ids(replay())).containsExactly("m0", "m1", "m9");
  }

  @Test
  void aTailOfZerosLeftByACrashCountsAsTorn() throws IOException {
    journalOf(2);
    long size = Files.size(file());
    Files.write(file(), new byte[4096], java.nio.file.StandardOpenOption.APPEND);
    assertThat(ids(replay())).containsExactly("m0", "m1");
    assertThat(Files.size(file())).isEqualTo(size);
  }

  @Test
  void damageInTheMiddleStopsTheStartNamingFileAndOffset() throws IOException {
    long[] starts = journalOf(5);
    byte[] bytes = Files.readAllBytes(file());
    for (int i = 0; i < 8; i++) {
      bytes[(int) starts[2] + 14 + i] ^= (byte) 0x5a; // 8 bytes inside the third entry's payload
    }
    Files.write(file(), bytes);

    assertThatThrownBy(this::replay)
        .isInstanceOfSatisfying(JournalDamagedException.class,
            e -> assertThat(e.offset()).isEqualTo(starts[2]))
        .hasMessageContaining(file().toString())
        .hasMessageContaining("offset " + starts[2])
        .hasMessageContaining("truncate -s " + starts[2]);
    assertThat(Files.readAllBytes(file())).as("the damaged file is left untouched")
        .isEqualTo(bytes);
  }

  @Test
  void aDamagedLengthInTheMiddleIsNotMistakenForATornTail() throws IOException {
    long[] starts = journalOf(5);
    byte[] bytes = Files.readAllBytes(file());
    bytes[(int) starts[1]] = 0x00;
    bytes[(int) starts[1] + 1] = 0x00;
    bytes[(int) starts[1] + 2] = 0x7f; // a length that runs past the end of the file
    Files.write(file(), bytes);

    assertThatThrownBy(this::replay).isInstanceOfSatisfying(JournalDamagedException.class,
        e -> assertThat(e.offset()).isEqualTo(starts[1]));
  }

  @Test
  void aFailedWriteLeavesTheJournalAsItWasAndTheCallerGetsAnError() throws IOException {
    journalOf(2);
    FailingChannel[] failing = new FailingChannel[1];
    try (RegistryJournal journal = RegistryJournal.open(dir, e -> { },
        ch -> failing[0] = new FailingChannel(ch))) {
      journal.rewrite(List.of(put("m0"), put("m1")));
      long before = Files.size(file());
      failing[0].failWrites = true;
      assertThatThrownBy(() -> journal.append(put("lost")))
          .isInstanceOf(UnavailableException.class)
          .hasMessageContaining("nothing was recorded");
      assertThat(Files.size(file())).as("partial bytes truncated back").isEqualTo(before);
      failing[0].failWrites = false;
      journal.append(put("m2"));
    }
    assertThat(ids(replay())).containsExactly("m0", "m1", "m2");
  }


  @Test
  void compactionReplacesTheFileWholeAndLeavesNoTempFile() throws IOException {
    journalOf(4);
    try (RegistryJournal journal = RegistryJournal.open(dir, e -> { })) {
      journal.rewrite(List.of(put("only")));
    }
    assertThat(ids(replay())).containsExactly("only");
    assertThat(dir.resolve(RegistryJournal.FILE + ".tmp")).doesNotExist();
  }

  @Test
  void aSecondOpenOfTheSameDirectoryIsRefused() {
    try (RegistryJournal first = RegistryJournal.open(dir, e -> { })) {
      assertThatThrownBy(() -> RegistryJournal.open(dir, e -> { }))
          .isInstanceOf(UnavailableException.class)
          .hasMessageContaining("in use by another node");
    }
    replay(); // released on close
  }

  @Test
  void aJournalOfTheFirstFormatIsReadAndRewrittenWithChecksums() throws IOException {
    ByteArrayOutputStream legacy = new ByteArrayOutputStream();
    for (int i = 0; i < 3; i++) {
      put("m" + i).writeDelimitedTo(legacy);
    }
    Files.write(file(), legacy.toByteArray());
    List<JournalEntry> seen = new ArrayList<>();
    try (RegistryJournal journal = RegistryJournal.open(dir, seen::add)) {
      journal.rewrite(seen);
    }
    assertThat(ids(seen)).containsExactly("m0", "m1", "m2");
    assertThat(Files.readAllBytes(file())).startsWith(JournalFormat.MAGIC);
    assertThat(ids(replay())).containsExactly("m0", "m1", "m2");
  }

  @Test
  void everyCutOfTheLastEntryReplaysTheEntriesBeforeIt() throws IOException {
    long[] starts = journalOf(3);
    byte[] bytes = Files.readAllBytes(file());
    IntStream.range((int) starts[2] + 1, bytes.length).forEach(cut -> {
      try {
        Files.write(file(), java.util.Arrays.copyOf(bytes, cut));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      assertThat(ids(replay())).as("cut at %d", cut).containsExactly("m0", "m1");
    });
  }
}
