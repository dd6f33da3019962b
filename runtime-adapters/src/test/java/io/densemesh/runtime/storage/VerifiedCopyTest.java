package io.densemesh.runtime.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.runtime.error.ModelLoadException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifiedCopyTest {

  @TempDir Path dir;

  private static final byte[] BODY = "0123456789abcdef".repeat(1000).getBytes();
  private static final Clock CLOCK = Clock.fixed(Instant.EPOCH, ZoneOffset.UTC);

  private static TransferBudget budget(long maxBytes) {
    return new TransferBudget(new TransferLimits(maxBytes, Duration.ofMinutes(1)), CLOCK, "x");
  }

  private static String md5(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
  }

  @Test
  void copiesWhenLengthAndMd5Match() throws Exception {
    Path target = dir.resolve("ok");
    long n = VerifiedCopy.copy(new ByteArrayInputStream(BODY), target, BODY.length,
        md5(BODY).toUpperCase(), budget(1 << 20), "x");
    assertThat(n).isEqualTo(BODY.length);
    assertThat(Files.readAllBytes(target)).isEqualTo(BODY);
  }

  @Test
  void shortBodyIsRejected() {
    InputStream cut = new ByteArrayInputStream(BODY, 0, BODY.length - 1);
    assertThatThrownBy(() -> VerifiedCopy.copy(cut, dir.resolve("cut"), BODY.length, null,
        budget(1 << 20), "s3://b/m"))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("truncated").hasMessageContaining(String.valueOf(BODY.length - 1));
  }

  @Test
  void wrongMd5IsRejected() throws Exception {
    byte[] corrupt = BODY.clone();
    corrupt[7] ^= 1;
    String announced = md5(BODY);
    assertThatThrownBy(() -> VerifiedCopy.copy(new ByteArrayInputStream(corrupt),
        dir.resolve("bad"), BODY.length, announced, budget(1 << 20), "x"))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining("corrupt")
        .hasMessageContaining(announced);
  }

  @Test
  void sizeLimitStopsTheCopyEvenWithoutAnAnnouncedLength() {
    assertThatThrownBy(() -> VerifiedCopy.copy(new ByteArrayInputStream(BODY),
        dir.resolve("big"), -1, null, budget(1000), "x"))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining("--max-artifact-size");
    assertThatThrownBy(() -> budget(1000).require(1001))
        .hasMessageContaining("more than the largest artifact allowed");
  }

  @Test
  void deadlinePassedStopsTheCopy() {
    Instant[] now = {Instant.EPOCH};
    Clock moving = new Clock() {
      @Override
      public java.time.ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        now[0] = now[0].plusSeconds(1);
        return now[0];
      }
    };
    TransferBudget budget =
        new TransferBudget(new TransferLimits(1 << 20, Duration.ofSeconds(3)), moving, "slow");
    InputStream trickle = new InputStream() {
      @Override
      public int read() {
        return 1;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        b[off] = 1;
        return 1;
      }
    };
    assertThatThrownBy(() -> VerifiedCopy.copy(trickle, dir.resolve("slow"), -1, null, budget,
        "slow")).hasMessageContaining("did not finish within PT3S");
  }
}
