/**
 * The node's one configuration record, parsed once at start from flags and {@code DM_*}
 * environment variables (flags win) and validated with precise messages.
 */
package io.densemesh.config;
