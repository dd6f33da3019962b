/**
 * The node jar's commands ({@code serve}, {@code runtime}, {@code quickstart}, {@code models}) on
 * picocli, with the conventions of {@link io.densemesh.cli.support.CommandLines}. Commands only read
 * options and start things; validation is the configuration records'.
 */
package io.densemesh.cli;
