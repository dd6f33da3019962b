package io.densemesh.runtime.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.densemesh.runtime.DataType;
import io.densemesh.runtime.ModelMetadata;
import io.densemesh.runtime.TensorSpec;
import io.densemesh.runtime.error.ModelLoadException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Maps between ONNX Runtime's element types and the V2 data types. */
final class OnnxTypes {

  static final String PLATFORM = "onnxruntime_onnx";

  private OnnxTypes() {}

  static DataType dataType(TensorInfo.OnnxTensorType type) {
    return switch (type) {
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL -> DataType.BOOL;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8 -> DataType.UINT8;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16 -> DataType.UINT16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32 -> DataType.UINT32;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64 -> DataType.UINT64;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8 -> DataType.INT8;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16 -> DataType.INT16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32 -> DataType.INT32;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64 -> DataType.INT64;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16 -> DataType.FP16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT -> DataType.FP32;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE -> DataType.FP64;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING -> DataType.BYTES;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16 -> DataType.BF16;
      default -> null;
    };
  }

  /**
   * The Java-side type ORT's tensor factory takes for a data type, or null where ORT's Java API
   * cannot create such a tensor (unsigned 16/32/64-bit) or where strings take another path.
   */
  static OnnxJavaType javaType(DataType type) {
    return switch (type) {
      case BOOL -> OnnxJavaType.BOOL;
      case UINT8 -> OnnxJavaType.UINT8;
      case INT8 -> OnnxJavaType.INT8;
      case INT16 -> OnnxJavaType.INT16;
      case INT32 -> OnnxJavaType.INT32;
      case INT64 -> OnnxJavaType.INT64;
      case FP16 -> OnnxJavaType.FLOAT16;
      case FP32 -> OnnxJavaType.FLOAT;
      case FP64 -> OnnxJavaType.DOUBLE;
      case BF16 -> OnnxJavaType.BFLOAT16;
      case UINT16, UINT32, UINT64, BYTES -> null;
    };
  }

  /** Reads the model's own input/output metadata; refuses models this runtime cannot feed. */
  static ModelMetadata metadata(OrtSession session) throws OrtException {
    List<TensorSpec> inputs = specs("input", session.getInputInfo());
    List<TensorSpec> outputs = specs("output", session.getOutputInfo());
    return new ModelMetadata(PLATFORM, inputs, outputs);
  }

  private static List<TensorSpec> specs(String kind, Map<String, NodeInfo> infos) {
    List<TensorSpec> specs = new ArrayList<>(infos.size());
    for (NodeInfo node : infos.values()) {
      if (!(node.getInfo() instanceof TensorInfo info)) {
        throw new ModelLoadException(
            kind + " '" + node.getName() + "' is not a tensor; only tensor inputs and outputs are"
                + " served");
      }
      DataType type = dataType(info.onnxType);
      if (type == null || (type != DataType.BYTES && javaType(type) == null)) {
        throw new ModelLoadException(
            kind + " '" + node.getName() + "' has element type " + info.onnxType
                + ", which ONNX Runtime's Java API cannot exchange");
      }
      specs.add(
          new TensorSpec(
              node.getName(), type, Arrays.stream(info.getShape()).boxed().toList()));
    }
    return specs;
  }
}
