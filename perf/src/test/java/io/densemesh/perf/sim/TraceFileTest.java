package io.densemesh.perf.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceFileTest {

  @TempDir Path dir;

  @Test
  void readsMinimalAndFullLines() throws Exception {
    Path file = dir.resolve("t.csv");
    Files.writeString(file, "time_ms,model,tenant,size_bytes,load_ms\n"
        + "# comment\n"
        + "0,a,acme,1000,50\n"
        + "5,b\n"
        + "5,a\n"
        + "\n"
        + "9,b,other,7,7\n");

    Trace trace = TraceFile.read(file, 2, 1);

    assertThat(trace.length()).isEqualTo(4);
    assertThat(trace.timeMillis()).containsExactly(0, 5, 5, 9);
    ModelCatalog c = trace.catalog();
    assertThat(c.size()).isEqualTo(2);
    assertThat(c.sizeBytes(c.indexOf("a"))).isEqualTo(1000);
    assertThat(c.loadMillis(c.indexOf("a"))).isEqualTo(50);
    assertThat(c.tenantName(c.tenant(c.indexOf("b")))).isEqualTo("default");
    assertThat(trace.model()).containsExactly(0, 1, 0, 1);
  }

  @Test
  void rejectsTimeGoingBackwardsWithTheLine() throws Exception {
    Path file = dir.resolve("bad.csv");
    Files.writeString(file, "10,a\n5,b\n");

    assertThatThrownBy(() -> TraceFile.read(file, 1, 1)).hasMessageEndingWith(":2: time goes backwards");
  }
}
