package io.densemesh.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.runtime.DataType;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.error.InvalidInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TensorRowsTest {

  static Tensor strings(String name, String... values) {
    ByteBuffer b = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
    for (String v : values) {
      byte[] bytes = v.getBytes(StandardCharsets.UTF_8);
      b.putInt(bytes.length).put(bytes);
    }
    return new Tensor(name, DataType.BYTES, new long[] {values.length}, b.flip());
  }

  static Tensor ints(String name, int rows, int cols) {
    ByteBuffer b = ByteBuffer.allocate(rows * cols * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < rows * cols; i++) {
      b.putInt(i);
    }
    return new Tensor(name, DataType.INT32, new long[] {rows, cols}, b.flip());
  }

  @Test
  void cutsEveryInputIntoTheSameRunsOfRows() {
    TensorRows rows = new TensorRows(List.of(strings("t", "a", "bb", "", "dddd", "e"),
        ints("n", 5, 2)));

    assertThat(rows.rows()).isEqualTo(5);
    List<Tensor> first = rows.next(2);
    assertThat(rows.offset()).isEqualTo(2);
    List<Tensor> second = rows.next(2);
    List<Tensor> last = rows.next(2);
    assertThat(rows.hasNext()).isFalse();

    assertThat(GenerateCodecTest.strings(first.get(0))).containsExactly("a", "bb");
    assertThat(GenerateCodecTest.strings(second.get(0))).containsExactly("", "dddd");
    assertThat(GenerateCodecTest.strings(last.get(0))).containsExactly("e");
    assertThat(last.get(0).shape()).containsExactly(1);
    assertThat(second.get(1).shape()).containsExactly(2, 2);
    assertThat(second.get(1).data().getInt(0)).isEqualTo(4);
    assertThat(last.get(1).data().remaining()).isEqualTo(8);
  }

  @Test
  void refusesInputsThatCannotBeCut() {
    assertThatThrownBy(() -> new TensorRows(List.of(strings("t", "a"), ints("n", 2, 1))))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("disagree");
    assertThatThrownBy(() -> new TensorRows(List.of(new Tensor("s", DataType.INT32,
        new long[0], ByteBuffer.allocate(4))))).isInstanceOf(InvalidInputException.class);
    Tensor truncated = new Tensor("t", DataType.BYTES, new long[] {2},
        ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN).putInt(100).flip());
    assertThatThrownBy(() -> new TensorRows(List.of(truncated)).next(1))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("runs past");
  }
}
