/** Shared test fixtures (published in mesh-core's test-jar): a fake clock and a fake runtime. */
package io.densemesh.testing;
