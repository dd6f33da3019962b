package io.densemesh.protocol;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.densemesh.api.inference.InferTensorContents;
import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.api.inference.ModelInferResponse;
import io.densemesh.api.inference.ModelMetadataResponse;
import io.densemesh.runtime.DataType;
import io.densemesh.runtime.ModelMetadata;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.TensorSpec;
import io.densemesh.runtime.error.InvalidInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Decodes a gRPC {@code ModelInferRequest} into raw tensors and encodes outputs into a response.
 *
 * <p>Raw inputs are not copied here: the {@code ByteString} is viewed as a buffer (the runtime
 * makes its one copy into a direct buffer). Typed {@code contents} are written once into a direct
 * little-endian buffer with primitive loops. Outputs are answered as KServe's server answers
 * them: in {@code raw_output_contents} (wrapped without a copy) when the request sent
 * {@code raw_input_contents} or an output is FP16/BF16 (which have no typed field), else in typed
 * {@code contents} like the request's ({@link #answersRaw}).
 */
public final class ProtoTensorCodec {

  private ProtoTensorCodec() {}

  public static List<Tensor> inputs(ModelInferRequest request) {
    int rawCount = request.getRawInputContentsCount();
    List<ModelInferRequest.InferInputTensor> specs = request.getInputsList();
    if (rawCount > 0 && rawCount != specs.size()) {
      throw new InvalidInputException(
          "raw_input_contents has " + rawCount + " entries for " + specs.size() + " inputs");
    }
    List<Tensor> tensors = new ArrayList<>(specs.size());
    for (int i = 0; i < specs.size(); i++) {
      ModelInferRequest.InferInputTensor in = specs.get(i);
      if (in.getName().isEmpty()) {
        throw new InvalidInputException("input " + i + " has no name");
      }
      DataType type = DataType.fromWire(in.getDatatype());
      long[] shape = shape(in);
      ByteBuffer data;
      if (rawCount > 0) {
        if (in.hasContents()) {
          throw new InvalidInputException(
              "input '" + in.getName() + "' sets contents while the request uses"
                  + " raw_input_contents; use one or the other");
        }
        data = request.getRawInputContents(i).asReadOnlyByteBuffer();
      } else {
        long count = Tensor.elementCount(shape);
        data = TypedContents.encode(in.getName(), type, in.getContents(), count);
      }
      tensors.add(new Tensor(in.getName(), type, shape, data));
    }
    return tensors;
  }

  private static long[] shape(ModelInferRequest.InferInputTensor in) {
    long[] shape = new long[in.getShapeCount()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = in.getShape(i);
      if (shape[i] < 0) {
        throw new InvalidInputException(
            "input '" + in.getName() + "' has negative dimension " + shape[i] + " at index " + i);
      }
    }
    Tensor.elementCount(shape);
    return shape;
  }

  /** Requested output names in request order (empty: all). */
  public static Set<String> requestedOutputs(ModelInferRequest request) {
    Set<String> names = new LinkedHashSet<>();
    for (ModelInferRequest.InferRequestedOutputTensor out : request.getOutputsList()) {
      if (!names.add(out.getName())) {
        throw new InvalidInputException("output '" + out.getName() + "' is requested twice");
      }
    }
    return names;
  }

  /** A request carrying {@code inputs} as raw contents (how nodes forward REST calls). */
  public static ModelInferRequest request(String modelName, List<Tensor> inputs,
      Set<String> requestedOutputs) {
    ModelInferRequest.Builder request = ModelInferRequest.newBuilder().setModelName(modelName);
    encodeInputs(inputs, request);
    for (String name : requestedOutputs) {
      request.addOutputsBuilder().setName(name);
    }
    return request.build();
  }

  /** A V2 metadata response describing {@code metadata}. */
  public static ModelMetadataResponse metadataResponse(String name, String version,
      ModelMetadata metadata) {
    ModelMetadataResponse.Builder response = ModelMetadataResponse.newBuilder()
        .setName(name).addVersions(version).setPlatform(metadata.platform());
    metadata.inputs().forEach(t -> response.addInputs(tensorMetadata(t)));
    metadata.outputs().forEach(t -> response.addOutputs(tensorMetadata(t)));
    return response.build();
  }

  /** The model metadata a V2 metadata response describes (a peer's answer). */
  public static ModelMetadata metadata(ModelMetadataResponse response) {
    return new ModelMetadata(response.getPlatform(), tensorSpecs(response.getInputsList()),
        tensorSpecs(response.getOutputsList()));
  }

  private static ModelMetadataResponse.TensorMetadata tensorMetadata(TensorSpec spec) {
    return ModelMetadataResponse.TensorMetadata.newBuilder()
        .setName(spec.name()).setDatatype(spec.dataType().wireName())
        .addAllShape(spec.shape()).build();
  }

  private static List<TensorSpec> tensorSpecs(
      List<ModelMetadataResponse.TensorMetadata> tensors) {
    return tensors.stream().map(t -> new TensorSpec(t.getName(),
        DataType.fromWire(t.getDatatype()), t.getShapeList())).toList();
  }

  /**
   * Whether a response to {@code request} carries its outputs raw: when the request's inputs
   * were raw, when it had no inputs to follow, or when an output has no typed field.
   */
  public static boolean answersRaw(ModelInferRequest request, List<Tensor> outputs) {
    if (request.getRawInputContentsCount() > 0 || request.getInputsCount() == 0) {
      return true;
    }
    for (Tensor t : outputs) {
      if (t.dataType() == DataType.FP16 || t.dataType() == DataType.BF16) {
        return true;
      }
    }
    return false;
  }

  /** Fills outputs and, raw or typed as {@link #answersRaw} says, their contents. */
  public static void encodeOutputs(ModelInferRequest request, List<Tensor> outputs,
      ModelInferResponse.Builder response) {
    if (answersRaw(request, outputs)) {
      encodeOutputs(outputs, response);
      return;
    }
    for (Tensor t : outputs) {
      ModelInferResponse.InferOutputTensor.Builder out =
          response.addOutputsBuilder().setName(t.name()).setDatatype(t.dataType().wireName());
      for (long d : t.shape()) {
        out.addShape(d);
      }
      out.setContents(TypedContents.decode(t));
    }
  }

  /** Fills outputs and raw_output_contents of a response. */
  public static void encodeOutputs(List<Tensor> outputs, ModelInferResponse.Builder response) {
    for (Tensor t : outputs) {
      ModelInferResponse.InferOutputTensor.Builder out =
          response.addOutputsBuilder().setName(t.name()).setDatatype(t.dataType().wireName());
      for (long d : t.shape()) {
        out.addShape(d);
      }
      response.addRawOutputContents(bytes(t.data()));
    }
  }

  /**
   * Fills inputs and raw_input_contents of a request (the node forwarding to a runtime's data
   * endpoint); the tensors' buffers are wrapped, not copied, where they are heap buffers.
   */
  public static void encodeInputs(List<Tensor> inputs, ModelInferRequest.Builder request) {
    for (Tensor t : inputs) {
      ModelInferRequest.InferInputTensor.Builder in =
          request.addInputsBuilder().setName(t.name()).setDatatype(t.dataType().wireName());
      for (long d : t.shape()) {
        in.addShape(d);
      }
      request.addRawInputContents(bytes(t.data()));
    }
  }

  /**
   * Decodes a response's outputs (a runtime's answer) from raw_output_contents or typed
   * contents, checking each against its declared datatype and shape.
   */
  public static List<Tensor> outputs(ModelInferResponse response) {
    int rawCount = response.getRawOutputContentsCount();
    List<ModelInferResponse.InferOutputTensor> specs = response.getOutputsList();
    if (rawCount > 0 && rawCount != specs.size()) {
      throw new InvalidInputException(
          "raw_output_contents has " + rawCount + " entries for " + specs.size() + " outputs");
    }
    List<Tensor> tensors = new ArrayList<>(specs.size());
    for (int i = 0; i < specs.size(); i++) {
      ModelInferResponse.InferOutputTensor out = specs.get(i);
      DataType type = DataType.fromWire(out.getDatatype());
      long[] shape = out.getShapeList().stream().mapToLong(Long::longValue).toArray();
      long count = Tensor.elementCount(shape);
      ByteBuffer data = rawCount > 0
          ? response.getRawOutputContents(i).asReadOnlyByteBuffer()
          : TypedContents.encode(out.getName(), type, out.getContents(), count);
      if (type.fixedSize() && data.remaining() != count * type.elementSize()) {
        throw new InvalidInputException(
            "output '" + out.getName() + "' has " + data.remaining() + " bytes, its shape needs "
                + count * type.elementSize());
      }
      tensors.add(new Tensor(out.getName(), type, shape, data));
    }
    return tensors;
  }

  private static ByteString bytes(ByteBuffer data) {
    if (data.hasArray()) {
      return UnsafeByteOperations.unsafeWrap(
          data.array(), data.arrayOffset() + data.position(), data.remaining());
    }
    return ByteString.copyFrom(data);
  }

  /** Encodes typed contents into little-endian raw bytes. */
  static final class TypedContents {

    private TypedContents() {}

    /** A tensor's raw bytes as the typed field of its datatype (not FP16/BF16: none exists). */
    static InferTensorContents decode(Tensor t) {
      ByteBuffer b = t.data();
      int n = Math.toIntExact(t.elementCount());
      InferTensorContents.Builder c = InferTensorContents.newBuilder();
      for (int i = 0; i < n; i++) {
        switch (t.dataType()) {
          case BOOL -> c.addBoolContents(b.get() != 0);
          case INT8 -> c.addIntContents(b.get());
          case INT16 -> c.addIntContents(b.getShort());
          case INT32 -> c.addIntContents(b.getInt());
          case INT64 -> c.addInt64Contents(b.getLong());
          case UINT8 -> c.addUintContents(Byte.toUnsignedInt(b.get()));
          case UINT16 -> c.addUintContents(Short.toUnsignedInt(b.getShort()));
          case UINT32 -> c.addUintContents(b.getInt());
          case UINT64 -> c.addUint64Contents(b.getLong());
          case FP32 -> c.addFp32Contents(b.getFloat());
          case FP64 -> c.addFp64Contents(b.getDouble());
          case BYTES -> {
            int length = b.getInt();
            c.addBytesContents(ByteString.copyFrom(b.slice(b.position(), length)));
            b.position(b.position() + length);
          }
          case FP16, BF16 -> throw new IllegalStateException(
              t.dataType() + " has no typed contents field");
        }
      }
      return c.build();
    }

    static ByteBuffer encode(String name, DataType type, InferTensorContents c, long count) {
      int n = checkedCount(name, type, c, count);
      if (type == DataType.BYTES) {
        int size = 0;
        for (ByteString b : c.getBytesContentsList()) {
          size = Math.addExact(size, 4 + b.size());
        }
        ByteBuffer out = ByteBuffer.allocateDirect(size).order(ByteOrder.LITTLE_ENDIAN);
        for (ByteString b : c.getBytesContentsList()) {
          out.putInt(b.size());
          b.copyTo(out);
        }
        return out.flip();
      }
      ByteBuffer out =
          ByteBuffer.allocateDirect(Math.multiplyExact(n, type.elementSize()))
              .order(ByteOrder.LITTLE_ENDIAN);
      switch (type) {
        case BOOL -> c.getBoolContentsList().forEach(v -> out.put((byte) (v ? 1 : 0)));
        case INT8 -> forInts(c, v -> out.put((byte) range(name, v, Byte.MIN_VALUE, Byte.MAX_VALUE)));
        case INT16 -> forInts(c, v -> out.putShort((short) range(name, v, Short.MIN_VALUE,
            Short.MAX_VALUE)));
        case INT32 -> forInts(c, out::putInt);
        case INT64 -> {
          for (int i = 0; i < n; i++) {
            out.putLong(c.getInt64Contents(i));
          }
        }
        case UINT8 -> forUints(c, v -> out.put((byte) urange(name, v, 0xFF)));
        case UINT16 -> forUints(c, v -> out.putShort((short) urange(name, v, 0xFFFF)));
        case UINT32 -> forUints(c, out::putInt);
        case UINT64 -> {
          for (int i = 0; i < n; i++) {
            out.putLong(c.getUint64Contents(i));
          }
        }
        case FP32 -> {
          for (int i = 0; i < n; i++) {
            out.putFloat(c.getFp32Contents(i));
          }
        }
        case FP64 -> {
          for (int i = 0; i < n; i++) {
            out.putDouble(c.getFp64Contents(i));
          }
        }
        case FP16, BF16 -> throw new InvalidInputException(
            "input '" + name + "' is " + type + ", which the protocol carries only in"
                + " raw_input_contents");
        default -> throw new IllegalStateException("unhandled " + type);
      }
      return out.flip();
    }

    private interface IntSink {
      void put(int v);
    }

    private static void forInts(InferTensorContents c, IntSink sink) {
      for (int i = 0; i < c.getIntContentsCount(); i++) {
        sink.put(c.getIntContents(i));
      }
    }

    private static void forUints(InferTensorContents c, IntSink sink) {
      for (int i = 0; i < c.getUintContentsCount(); i++) {
        sink.put(c.getUintContents(i));
      }
    }

    private static int range(String name, int v, int min, int max) {
      if (v < min || v > max) {
        throw new InvalidInputException(
            "input '" + name + "' value " + v + " is out of range " + min + ".." + max);
      }
      return v;
    }

    private static int urange(String name, int v, int max) {
      if (Integer.compareUnsigned(v, max) > 0) {
        throw new InvalidInputException(
            "input '" + name + "' value " + Integer.toUnsignedString(v) + " is out of range 0.."
                + max);
      }
      return v;
    }

    /** The typed field that matches the datatype must hold exactly the shape's element count. */
    private static int checkedCount(
        String name, DataType type, InferTensorContents c, long count) {
      int given =
          switch (type) {
            case BOOL -> c.getBoolContentsCount();
            case INT8, INT16, INT32 -> c.getIntContentsCount();
            case INT64 -> c.getInt64ContentsCount();
            case UINT8, UINT16, UINT32 -> c.getUintContentsCount();
            case UINT64 -> c.getUint64ContentsCount();
            case FP32 -> c.getFp32ContentsCount();
            case FP64 -> c.getFp64ContentsCount();
            case BYTES -> c.getBytesContentsCount();
            case FP16, BF16 -> 0;
          };
      int total =
          c.getBoolContentsCount() + c.getIntContentsCount() + c.getInt64ContentsCount()
              + c.getUintContentsCount() + c.getUint64ContentsCount() + c.getFp32ContentsCount()
              + c.getFp64ContentsCount() + c.getBytesContentsCount();
      if (total != given) {
        throw new InvalidInputException(
            "input '" + name + "' of datatype " + type + " has contents in a field of another"
                + " type");
      }
      if (given != count && !(type == DataType.FP16 || type == DataType.BF16)) {
        throw new InvalidInputException(
            "input '" + name + "' has " + given + " elements in contents, its shape needs "
                + count);
      }
      return given;
    }
  }
}
