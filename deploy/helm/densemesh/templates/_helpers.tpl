{{/* Chart name, overridable with nameOverride. */}}
{{- define "densemesh.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name objects are named from: the release name, plus the chart name unless the release name
already contains it. Truncated so that "<fullname>-operator" etc. stay within 63 characters.
*/}}
{{- define "densemesh.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Chart name and version, for the helm.sh/chart label. */}}
{{- define "densemesh.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels: stable across upgrades. */}}
{{- define "densemesh.selectorLabels" -}}
app.kubernetes.io/name: {{ include "densemesh.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "densemesh.labels" -}}
helm.sh/chart: {{ include "densemesh.chart" . }}
{{ include "densemesh.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: densemesh
{{- end }}

{{/* The operator's ServiceAccount. */}}
{{- define "densemesh.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (printf "%s-operator" (include "densemesh.fullname" .)) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* An image reference from {repository, tag, pullPolicy}; an empty tag is the appVersion. */}}
{{- define "densemesh.image" -}}
{{- $image := index . 0 }}
{{- $root := index . 1 }}
{{- printf "%s:%s" $image.repository (default $root.Chart.AppVersion $image.tag | toString) }}
{{- end }}

{{/* The etcd Service and StatefulSet name. */}}
{{- define "densemesh.etcdName" -}}
{{- printf "%s-etcd" (include "densemesh.fullname" .) }}
{{- end }}

{{/* The Secret with the nodes' etcd connection. */}}
{{- define "densemesh.etcdSecretName" -}}
{{- default (include "densemesh.etcdName" .) .Values.etcd.secretName }}
{{- end }}

{{/*
The Secret with the nodes' credentials (mesh secret, API keys, the operator's key); the operator
creates it when absent.
*/}}
{{- define "densemesh.nodeCredentialsSecretName" -}}
{{- default (printf "%s-node-credentials" (include "densemesh.fullname" .)) .Values.node.credentialsSecret }}
{{- end }}

{{/*
Labels the operator puts on node pods and their Services (RuntimeWorkload); the same for every
release, since the operator does not know the release.
*/}}
{{- define "densemesh.nodeSelectorLabels" -}}
app.kubernetes.io/name: densemesh
app.kubernetes.io/component: node
{{- end }}
