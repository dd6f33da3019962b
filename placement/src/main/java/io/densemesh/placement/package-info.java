/**
 * Placement policy as pure functions over immutable inputs: which resident copies to evict to make
 * room, where a new copy goes, how many copies a model should have. No I/O, no threads, no clock
 * reads: time is passed in by the caller.
 */
package io.densemesh.placement;
