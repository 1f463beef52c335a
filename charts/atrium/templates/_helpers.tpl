{{/*
Names and labels shared by every template.
*/}}

{{/* atrium.name: the chart name, or nameOverride. */}}
{{- define "atrium.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* atrium.fullname: the prefix of every resource name (63 characters at most). */}}
{{- define "atrium.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "atrium.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* atrium.selectorLabels: the labels that select the pods (never change them). */}}
{{- define "atrium.selectorLabels" -}}
app.kubernetes.io/name: {{ include "atrium.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "atrium.labels" -}}
helm.sh/chart: {{ include "atrium.chart" . }}
{{ include "atrium.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: controller
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "atrium.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "atrium.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "atrium.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "atrium.leaseName" -}}
{{- default (printf "%s-leader" (include "atrium.fullname" .)) .Values.leaderElection.id -}}
{{- end -}}

{{/*
atrium.containerPort: the port Atrium binds for a listener on service port
P: P + portOffset when P < 1024, else P (the --port-offset rule).
*/}}
{{- define "atrium.containerPort" -}}
{{- $port := int .port -}}
{{- if lt $port 1024 -}}{{ add $port (int .offset) }}{{- else -}}{{ $port }}{{- end -}}
{{- end -}}

{{- define "atrium.drainTimeout" -}}
{{- printf "%ds" (int .Values.drainTimeoutSeconds) -}}
{{- end -}}

{{/* atrium.args: the container's flags, one per line (a YAML list). */}}
{{- define "atrium.args" -}}
- --admin-address={{ .Values.admin.bindAddress }}:{{ .Values.admin.port }}
- --port-offset={{ .Values.portOffset }}
- --drain-timeout={{ include "atrium.drainTimeout" . }}
- --log-level={{ .Values.logLevel }}
{{- if gt (int .Values.workers) 0 }}
- --workers={{ .Values.workers }}
{{- end }}
{{- with .Values.watchNamespaces }}
- --watch-namespace={{ join "," . }}
{{- end }}
{{- if .Values.publishAddresses }}
- --publish-address={{ join "," .Values.publishAddresses }}
{{- else if and .Values.publishService .Values.service.enabled }}
- --publish-service={{ .Release.Namespace }}/{{ include "atrium.fullname" . }}
{{- end }}
{{- if .Values.leaderElection.enabled }}
- --leader-elect
- --leader-election-namespace={{ .Release.Namespace }}
- --leader-election-id={{ include "atrium.leaseName" . }}
- --leader-elect-lease-duration={{ .Values.leaderElection.leaseDuration }}
- --leader-elect-renew-deadline={{ .Values.leaderElection.renewDeadline }}
- --leader-elect-retry-period={{ .Values.leaderElection.retryPeriod }}
{{- end }}
{{- range $flag, $value := .Values.extraArgs }}
{{- if kindIs "bool" $value }}
{{- if $value }}
- --{{ $flag }}
{{- end }}
{{- else }}
- {{ printf "--%s=%v" $flag $value | quote }}
{{- end }}
{{- end }}
{{- end -}}
