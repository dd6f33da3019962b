/**
 * The KServe V2 REST binding on Vert.x (Netty): routing, bounded request threads, body and
 * header limits, TLS and graceful shutdown. The JSON codec itself is in
 * {@code io.densemesh.protocol}.
 */
package io.densemesh.rest;
