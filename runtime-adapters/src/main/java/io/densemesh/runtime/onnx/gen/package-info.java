/**
 * Writes small ONNX models from code (no Python, no model hub): the quickstart's per-tenant models,
 * the benchmark model and the test models. The encoder writes the ONNX protobuf wire format
 * directly for the handful of message types a simple graph needs.
 */
package io.densemesh.runtime.onnx.gen;
