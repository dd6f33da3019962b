/** Assembles a node from its parts, starts its servers and shuts it down gracefully. */
package io.densemesh.node;
