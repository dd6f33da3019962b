/**
 * The mesh's shared state behind one {@link io.densemesh.registry.Registry} interface:
 * persistent model, vmodel and config records, and the live records (instances, copies, claims,
 * leadership) bound to a node's session, read through an immutable {@link
 * io.densemesh.registry.MeshView}. {@link io.densemesh.registry.EtcdRegistry} keeps them in etcd
 * for a mesh of nodes; {@link io.densemesh.registry.LocalRegistry} is the embedded single-node
 * implementation, journaled under the data directory.
 */
package io.densemesh.registry;
