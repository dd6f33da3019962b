package io.densemesh.mesh;

import io.densemesh.runtime.DataType;
import io.densemesh.runtime.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/** Inputs for the fake runtime's echo model, shared by the forwarding tests. */
final class ForwardingFixture {

  private ForwardingFixture() {}

  static List<Tensor> floats(float... values) {
    ByteBuffer data = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      data.putFloat(v);
    }
    data.flip();
    return List.of(new Tensor("x", DataType.FP32, new long[] {values.length}, data));
  }

  static float[] values(Tensor t) {
    ByteBuffer data = t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[(int) t.elementCount()];
    for (int i = 0; i < out.length; i++) {
      out[i] = data.getFloat();
    }
    return out;
  }

  /** A wrong input: the echo model takes FP32. */
  static List<Tensor> wrongType() {
    ByteBuffer data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(1).flip();
    return List.of(new Tensor("x", DataType.INT64, new long[] {1}, data));
  }
}
