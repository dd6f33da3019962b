/**
 * What the node does for a request independent of the wire: resolve a (v)model name, run
 * inference on a leased model, and the ModelMesh management semantics (registration, status,
 * vmodels and their transitions).
 */
package io.densemesh.serving;
