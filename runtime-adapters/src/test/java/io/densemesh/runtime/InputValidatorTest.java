package io.densemesh.runtime;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.runtime.error.InvalidInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InputValidatorTest {

  private final InputValidator validator = new InputValidator(1_000_000);
  private final ModelMetadata metadata =
      new ModelMetadata(
          "test",
          List.of(
              new TensorSpec("x", DataType.FP32, List.of(-1L, 4L)),
              new TensorSpec("s", DataType.BYTES, List.of(-1L))),
          List.of(new TensorSpec("y", DataType.FP32, List.of(-1L, 2L))));

  private static Tensor fp32(String name, long[] shape, int bytes) {
    return new Tensor(name, DataType.FP32, shape, ByteBuffer.allocate(bytes));
  }

  private static Tensor strings(String... values) {
    int size = 0;
    for (String v : values) {
      size += 4 + v.length();
    }
    ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    for (String v : values) {
      b.putInt(v.length()).put(v.getBytes());
    }
    b.flip();
    return new Tensor("s", DataType.BYTES, new long[] {values.length}, b);
  }

  private void assertRejected(List<Tensor> inputs, Set<String> outputs, String message) {
    assertThatThrownBy(() -> validator.validate(metadata, inputs, outputs))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining(message);
  }

  @Test
  void acceptsWellFormedInputs() {
    assertThatCode(
            () ->
                validator.validate(
                    metadata, List.of(fp32("x", new long[] {2, 4}, 32), strings("ab", "")),
                    Set.of("y")))
        .doesNotThrowAnyException();
  }

  @Test
  void rejectsEachKindOfMismatch() {
    Tensor s = strings("a");
    assertRejected(List.of(s), Set.of(), "missing input 'x'");
    assertRejected(
        List.of(fp32("x", new long[] {1, 4}, 16), s, fp32("z", new long[] {1}, 4)),
        Set.of(), "unexpected input 'z'");
    assertRejected(
        List.of(fp32("x", new long[] {1, 4}, 16), fp32("x", new long[] {1, 4}, 16), s),
        Set.of(), "more than once");
    assertRejected(
        List.of(new Tensor("x", DataType.FP64, new long[] {1, 4}, ByteBuffer.allocate(32)), s),
        Set.of(), "datatype FP64");
    assertRejected(List.of(fp32("x", new long[] {4}, 16), s), Set.of(), "rank");
    assertRejected(List.of(fp32("x", new long[] {1, 3}, 12), s), Set.of(), "expects 4");
    assertRejected(List.of(fp32("x", new long[] {-1, 4}, 16), s), Set.of(), "negative");
    assertRejected(List.of(fp32("x", new long[] {1, 4}, 15), s), Set.of(), "needs 16");
    assertRejected(
        List.of(fp32("x", new long[] {1L << 40, 4}, 16), s), Set.of(), "more than the limit");
    assertRejected(
        List.of(fp32("x", new long[] {Long.MAX_VALUE / 2, 4}, 16), s), Set.of(), "too large");
    assertRejected(List.of(fp32("x", new long[] {1, 4}, 16), s), Set.of("nope"), "'nope'");
  }

  @Test
  void rejectsMalformedBytesElements() {
    Tensor x = fp32("x", new long[] {1, 4}, 16);
    ByteBuffer truncated = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN).putInt(10);
    truncated.flip();
    assertRejected(
        List.of(x, new Tensor("s", DataType.BYTES, new long[] {1}, truncated)), Set.of(),
        "declares 10 bytes");
    assertRejected(List.of(x, strings("a", "b")).subList(0, 2).stream()
            .map(t -> t.name().equals("s")
                ? new Tensor("s", DataType.BYTES, new long[] {3}, t.data()) : t)
            .toList(),
        Set.of(), "holds 2 BYTES elements");
    ByteBuffer shortPrefix = ByteBuffer.allocate(2);
    assertRejected(
        List.of(x, new Tensor("s", DataType.BYTES, new long[] {1}, shortPrefix)), Set.of(),
        "inside a length prefix");
  }

  @Test
  void parsesDatatypesStrictly() {
    assertThatCode(() -> DataType.fromWire("FP32")).doesNotThrowAnyException();
    assertThatThrownBy(() -> DataType.fromWire("FLOAT32"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("FLOAT32");
  }

  @Test
  void bytesVectorAlsoTakesAColumnButNotAMatrix() {
    Tensor vector = strings("ab", "c");
    Tensor column = new Tensor("s", DataType.BYTES, new long[] {2, 1}, vector.data());
    Tensor matrix = new Tensor("s", DataType.BYTES, new long[] {1, 2}, vector.data());
    Tensor x = fp32("x", new long[] {1, 4}, 16);
    assertThatCode(() -> validator.validate(metadata, List.of(x, column), Set.of()))
        .doesNotThrowAnyException();
    assertRejected(List.of(x, matrix), Set.of(), "rank 2");
  }
}
