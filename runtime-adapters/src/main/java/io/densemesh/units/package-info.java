/**
 * Units every module prints the same way (byte sizes), kept in the lowest module the node, the
 * benchmarks and the storage layer share.
 */
package io.densemesh.units;
