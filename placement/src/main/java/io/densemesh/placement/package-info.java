/**
 * Placement policy as pure functions over immutable inputs ({@link
 * io.densemesh.placement.ClusterSnapshot}, {@link io.densemesh.placement.ModelDemand}, {@link
 * io.densemesh.placement.ResidentCopy}): which resident copies to evict to make room, where a new
 * copy goes, how many copies a model should have, all configured by one {@link
 * io.densemesh.placement.PolicyConfig}. No I/O, no threads, no clock reads: time is passed in.
 */
package io.densemesh.placement;
