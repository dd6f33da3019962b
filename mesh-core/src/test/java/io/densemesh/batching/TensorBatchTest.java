package io.densemesh.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.runtime.DataType;
import io.densemesh.runtime.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TensorBatchTest {

  static Tensor floats(String name, int rows, int cols, float start) {
    ByteBuffer b = ByteBuffer.allocate(rows * cols * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < rows * cols; i++) {
      b.putFloat(start + i);
    }
    b.flip();
    return new Tensor(name, DataType.FP32, new long[] {rows, cols}, b);
  }

  static Tensor strings(String name, String... values) {
    int size = 0;
    for (String v : values) {
      size += 4 + v.getBytes(StandardCharsets.UTF_8).length;
    }
    ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    for (String v : values) {
      byte[] bytes = v.getBytes(StandardCharsets.UTF_8);
      b.putInt(bytes.length).put(bytes);
    }
    b.flip();
    return new Tensor(name, DataType.BYTES, new long[] {values.length}, b);
  }

  static byte[] bytes(Tensor t) {
    ByteBuffer b = t.data();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  @Test
  void requestsAgreeingExceptOnRowsShareASignatureWhateverTheirInputOrder() {
    var a = TensorBatch.signature(List.of(floats("x", 1, 3, 0), strings("s", "a")), Set.of("y"));
    var b = TensorBatch.signature(List.of(strings("s", "b"), floats("x", 1, 3, 9)),
        Set.of("y"));
    assertThat(a).isPresent().isEqualTo(b);
    assertThat(TensorBatch.signature(List.of(floats("x", 1, 4, 0)), Set.of()))
        .isNotEqualTo(TensorBatch.signature(List.of(floats("x", 1, 3, 0)), Set.of()));
    assertThat(TensorBatch.signature(List.of(floats("x", 1, 3, 0)), Set.of("y")))
        .isNotEqualTo(TensorBatch.signature(List.of(floats("x", 1, 3, 0)), Set.of("z")));
    // Inputs that disagree on the rows, or scalars, cannot be batched.
    assertThat(TensorBatch.signature(List.of(floats("x", 1, 3, 0), floats("w", 2, 3, 0)),
        Set.of())).isEmpty();
    assertThat(TensorBatch.signature(List.of(new Tensor("s", DataType.FP32, new long[0],
        ByteBuffer.allocate(4))), Set.of())).isEmpty();
  }

  @Test
  void concatenatedRowsSplitBackExactlyForFixedAndVariableSizedTypes() {
    List<List<Tensor>> requests = List.of(
        List.of(floats("x", 1, 3, 0), strings("s", "alpha")),
        List.of(floats("x", 2, 3, 100), strings("s", "", "γδ")),
        List.of(floats("x", 1, 3, 200), strings("s", "z")));
    List<Tensor> batch = TensorBatch.concat(requests);
    Tensor x = TensorBatch.byName(batch).get("x");
    assertThat(x.shape()).containsExactly(4, 3);
    assertThat(TensorBatch.byName(batch).get("s").shape()).containsExactly(4);

    List<List<Tensor>> back = TensorBatch.split(batch, new int[] {1, 2, 1});
    for (int r = 0; r < 3; r++) {
      for (Tensor original : requests.get(r)) {
        Tensor mine = TensorBatch.byName(back.get(r)).get(original.name());
        assertThat(mine.shape()).containsExactly(original.shape());
        assertThat(bytes(mine)).isEqualTo(bytes(original));
      }
    }
  }

  @Test
  void anOutputThatIsNotPerRowCannotBeSplit() {
    assertThatThrownBy(() -> TensorBatch.split(List.of(floats("y", 1, 3, 0)), new int[] {1, 1}))
        .isInstanceOf(TensorBatch.NotSplittable.class);
  }
}
