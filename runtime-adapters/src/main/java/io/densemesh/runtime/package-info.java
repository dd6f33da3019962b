/**
 * The runtime SPI: what a model runtime (embedded ONNX Runtime, a remote runtime over the ModelMesh
 * runtime API, ...) offers the serving node. Types here are stable; implementations live in
 * sub-packages.
 */
package io.densemesh.runtime;
