/**
 * {@code densemesh runtime}: DenseMesh's embedded runtimes (ONNX, text) served as a standalone
 * process over the ModelMesh runtime SPI ({@code mmesh.ModelRuntime}) with a KServe V2 data
 * endpoint, so a DenseMesh node (or ModelMesh) can use them as a remote runtime.
 */
package io.densemesh.runtimeserver;
