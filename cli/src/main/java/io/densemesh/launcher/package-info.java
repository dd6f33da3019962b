/** The one {@code densemesh} command: every module's commands under one root. */
package io.densemesh.launcher;
