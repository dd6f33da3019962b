/**
 * The embedded ONNX Runtime: DJL's {@code onnxruntime-engine} provides the native library and the
 * shared environment; the hot path drives {@code OrtSession} directly so that raw request bytes
 * reach ORT tensors with at most one copy into a direct buffer.
 */
package io.densemesh.runtime.onnx;
