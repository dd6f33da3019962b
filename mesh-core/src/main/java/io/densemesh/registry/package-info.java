/**
 * The model registry: persistent model and vmodel records behind one {@link
 * io.densemesh.registry.Registry} interface. {@link io.densemesh.registry.LocalRegistry} is the
 * embedded single-node implementation, journaled under the data directory.
 */
package io.densemesh.registry;
