/** Build-time checks of deploy/: manifests, CRD schemas, the Helm chart and the dashboard. */
package io.densemesh.operator.deploy;
