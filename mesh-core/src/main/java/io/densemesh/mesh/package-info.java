/**
 * The mesh: how nodes sharing one registry behave as one server. {@link
 * io.densemesh.mesh.MeshRouter} decides per request whether to serve locally or forward (over
 * {@link io.densemesh.mesh.Peers}, as opaque bytes), and where a missing model loads; {@link
 * io.densemesh.mesh.SelfPublisher} keeps this node's instance and copy records in the registry;
 * {@link io.densemesh.mesh.CopyScaler} adds and drops copies by request rate; {@link
 * io.densemesh.mesh.LeaderDuties} runs the cluster-wide chores on the elected leader; {@link
 * io.densemesh.mesh.Drainer} moves models away from a stopping node; {@link
 * io.densemesh.mesh.CopyDropper} drops a model's copies on every node.
 */
package io.densemesh.mesh;
