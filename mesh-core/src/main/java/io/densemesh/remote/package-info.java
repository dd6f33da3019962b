/**
 * The {@code remote} runtime: a model server reached over the ModelMesh runtime SPI
 * ({@code mmesh.ModelRuntime}) for loading, sizing and unloading, with inference proxied to its
 * KServe V2 data endpoint. This is how ModelMesh's adapters (Triton, MLServer, OVMS, TorchServe),
 * or a {@code densemesh runtime} process, serve models for a node.
 */
package io.densemesh.remote;
