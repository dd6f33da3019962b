/**
 * DenseMesh's PlacementPolicy resource onto the mesh's live placement configuration and
 * per-model copy bounds (through {@code densemesh.v1.MeshAdmin}): parsing with local validation,
 * the merged plan over all policies of a namespace (pure), and the controller that pushes it.
 */
package io.densemesh.operator.placement;
