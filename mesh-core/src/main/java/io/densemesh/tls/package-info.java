/**
 * TLS material for the node's servers and peer links: PEM files loaded into key and trust
 * managers that re-read them when they change, so certificates rotate without a restart.
 */
package io.densemesh.tls;
