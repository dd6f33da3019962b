/**
 * The conventions every {@code densemesh} command shares, on picocli: one duration and size syntax
 * ({@link io.densemesh.cli.support.Units}), {@code DM_*} environment defaults, one-line usage
 * errors with exit code 2, {@code --help} and {@code --version}.
 */
package io.densemesh.cli.support;
