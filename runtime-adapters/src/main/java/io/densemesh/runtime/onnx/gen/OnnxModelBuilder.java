package io.densemesh.runtime.onnx.gen;

import com.google.protobuf.CodedOutputStream;
import io.densemesh.runtime.DataType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds an ONNX {@code ModelProto} (IR version 8, default-domain opset 13) for a single graph.
 * Field numbers follow the public onnx.proto: ModelProto{ir_version=1, producer_name=2, graph=7,
 * opset_import=8}, GraphProto{node=1, name=2, initializer=5, input=11, output=12},
 * NodeProto{input=1, output=2, name=3, op_type=4, attribute=5}, TensorProto{dims=1, data_type=2,
 * name=8, raw_data=9}, ValueInfoProto{name=1, type=2}, TypeProto{tensor_type=1},
 * TypeProto.Tensor{elem_type=1, shape=2}, TensorShapeProto{dim=1},
 * Dimension{dim_value=1, dim_param=2}, AttributeProto{name=1, i=3, type=20}.
 */
public final class OnnxModelBuilder {

  private final String graphName;
  private final List<byte[]> nodes = new ArrayList<>();
  private final List<byte[]> initializers = new ArrayList<>();
  private final List<byte[]> inputs = new ArrayList<>();
  private final List<byte[]> outputs = new ArrayList<>();

  public OnnxModelBuilder(String graphName) {
    this.graphName = graphName;
  }

  /** Declares a graph input; a dimension of -1 becomes a named dynamic dimension. */
  public OnnxModelBuilder input(String name, DataType type, long... dims) {
    inputs.add(valueInfo(name, type, dims));
    return this;
  }

  public OnnxModelBuilder output(String name, DataType type, long... dims) {
    outputs.add(valueInfo(name, type, dims));
    return this;
  }

  /** A constant FP32 tensor. */
  public OnnxModelBuilder initializer(String name, float[] values, long... dims) {
    ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      raw.putFloat(v);
    }
    initializers.add(
        message(
            out -> {
              for (long d : dims) {
                out.writeInt64(1, d);
              }
              out.writeInt32(2, onnxType(DataType.FP32));
              out.writeString(8, name);
              out.writeByteArray(9, raw.array());
            }));
    return this;
  }

  /** A constant INT64 tensor (e.g. the {@code axes} input of opset-13 Unsqueeze/ReduceSum). */
  public OnnxModelBuilder initializer(String name, long[] values, long... dims) {
    ByteBuffer raw = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (long v : values) {
      raw.putLong(v);
    }
    initializers.add(
        message(
            out -> {
              for (long d : dims) {
                out.writeInt64(1, d);
              }
              out.writeInt32(2, onnxType(DataType.INT64));
              out.writeString(8, name);
              out.writeByteArray(9, raw.array());
            }));
    return this;
  }

  /** A node with optional integer attributes given as name/value pairs. */
  public OnnxModelBuilder node(String opType, List<String> in, List<String> out, Object... intAttrs) {
    int index = nodes.size();
    nodes.add(
        message(
            o -> {
              for (String i : in) {
                o.writeString(1, i);
              }
              for (String s : out) {
                o.writeString(2, s);
              }
              o.writeString(3, opType.toLowerCase() + "_" + index);
              o.writeString(4, opType);
              for (int a = 0; a + 1 < intAttrs.length; a += 2) {
                String attrName = (String) intAttrs[a];
                long attrValue = ((Number) intAttrs[a + 1]).longValue();
                o.writeByteArray(
                    5,
                    message(
                        attr -> {
                          attr.writeString(1, attrName);
                          attr.writeInt64(3, attrValue);
                          attr.writeInt32(20, 2); // AttributeType.INT
                        }));
              }
            }));
    return this;
  }

  /** The serialized model. */
  public byte[] build() {
    byte[] graph =
        message(
            g -> {
              for (byte[] n : nodes) {
                g.writeByteArray(1, n);
              }
              g.writeString(2, graphName);
              for (byte[] t : initializers) {
                g.writeByteArray(5, t);
              }
              for (byte[] i : inputs) {
                g.writeByteArray(11, i);
              }
              for (byte[] o : outputs) {
                g.writeByteArray(12, o);
              }
            });
    return message(
        m -> {
          m.writeInt64(1, 8);
          m.writeString(2, "densemesh");
          m.writeByteArray(7, graph);
          m.writeByteArray(
              8,
              message(
                  opset -> {
                    opset.writeString(1, "");
                    opset.writeInt64(2, 13);
                  }));
        });
  }

  private static byte[] valueInfo(String name, DataType type, long[] dims) {
    byte[] shape =
        message(
            s -> {
              int dynamic = 0;
              for (long d : dims) {
                final String param = "d" + dynamic;
                if (d < 0) {
                  dynamic++;
                }
                s.writeByteArray(
                    1,
                    message(
                        dim -> {
                          if (d < 0) {
                            dim.writeString(2, param);
                          } else {
                            dim.writeInt64(1, d);
                          }
                        }));
              }
            });
    byte[] tensorType =
        message(
            t -> {
              t.writeInt32(1, onnxType(type));
              t.writeByteArray(2, shape);
            });
    byte[] typeProto = message(t -> t.writeByteArray(1, tensorType));
    return message(
        v -> {
          v.writeString(1, name);
          v.writeByteArray(2, typeProto);
        });
  }

  /** ONNX TensorProto.DataType code of a V2 data type. */
  static int onnxType(DataType type) {
    return switch (type) {
      case FP32 -> 1;
      case UINT8 -> 2;
      case INT8 -> 3;
      case UINT16 -> 4;
      case INT16 -> 5;
      case INT32 -> 6;
      case INT64 -> 7;
      case BYTES -> 8;
      case BOOL -> 9;
      case FP16 -> 10;
      case FP64 -> 11;
      case UINT32 -> 12;
      case UINT64 -> 13;
      case BF16 -> 16;
    };
  }

  private interface Writer {
    void write(CodedOutputStream out) throws IOException;
  }

  private static byte[] message(Writer writer) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      writer.write(out);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
