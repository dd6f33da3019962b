/** The {@code densemesh} command line: {@code serve}, {@code quickstart}. */
package io.densemesh.cli;
