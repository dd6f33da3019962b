/**
 * The mesh console: a browser page every node serves under {@code /console/} on its REST port,
 * with JSON endpoints under {@code /console/api/} read from the node's registry view, cache and
 * activity feed, and admin actions that make the same management calls a client would.
 */
package io.densemesh.console;
