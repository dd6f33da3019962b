package io.densemesh.runtime.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import io.densemesh.runtime.DataType;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.error.InvalidInputException;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Converts between V2 raw tensors and ORT tensors. Numeric data goes in as a direct buffer: a
 * direct request buffer is used as is, a heap buffer is copied once into a direct one. No
 * per-element boxing.
 */
final class OnnxTensors {

  private OnnxTensors() {}

  static OnnxTensor toOnnx(OrtEnvironment env, Tensor tensor) throws OrtException {
    long[] shape = tensor.shape();
    if (tensor.dataType() == DataType.BYTES) {
      return OnnxTensor.createTensor(env, decodeStrings(tensor), shape);
    }
    OnnxJavaType javaType = OnnxTypes.javaType(tensor.dataType());
    if (javaType == null) {
      throw new InvalidInputException(
          "input '" + tensor.name() + "' datatype " + tensor.dataType()
              + " cannot be passed to ONNX Runtime");
    }
    return OnnxTensor.createTensor(env, direct(tensor.data()), shape, javaType);
  }

  private static ByteBuffer direct(ByteBuffer data) {
    if (data.isDirect() && data.order() == ByteOrder.nativeOrder()) {
      return data;
    }
    ByteBuffer copy = ByteBuffer.allocateDirect(data.remaining()).order(ByteOrder.nativeOrder());
    copy.put(data.duplicate());
    copy.flip();
    return copy;
  }

  private static String[] decodeStrings(Tensor tensor) {
    ByteBuffer data = tensor.data();
    String[] out = new String[Math.toIntExact(tensor.elementCount())];
    for (int i = 0; i < out.length; i++) {
      int len = data.getInt();
      byte[] bytes = new byte[len];
      data.get(bytes);
      out[i] = new String(bytes, StandardCharsets.UTF_8);
    }
    return out;
  }

  static Tensor fromOnnx(String name, OnnxValue value) throws OrtException {
    if (!(value instanceof OnnxTensor tensor)) {
      throw new InvalidInputException("output '" + name + "' is not a tensor");
    }
    TensorInfo info = tensor.getInfo();
    DataType type = OnnxTypes.dataType(info.onnxType);
    if (type == null) {
      throw new InvalidInputException(
          "output '" + name + "' has element type " + info.onnxType + " which cannot be returned");
    }
    long[] shape = info.getShape();
    if (type == DataType.BYTES) {
      return new Tensor(name, type, shape, encodeStrings(tensor.getValue()));
    }
    ByteBuffer bytes = tensor.getByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    return new Tensor(name, type, shape, bytes);
  }

  private static ByteBuffer encodeStrings(Object value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    appendStrings(value, out);
    return ByteBuffer.wrap(out.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static void appendStrings(Object value, ByteArrayOutputStream out) {
    if (value instanceof String s) {
      byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
      int n = bytes.length;
      out.write(n);
      out.write(n >>> 8);
      out.write(n >>> 16);
      out.write(n >>> 24);
      out.writeBytes(bytes);
      return;
    }
    int length = Array.getLength(value);
    for (int i = 0; i < length; i++) {
      appendStrings(Array.get(value, i), out);
    }
  }
}
