/** The KServe V2 REST binding, served by the JDK's HTTP server. */
package io.densemesh.rest;
