{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "streamops-agent.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-qualified name of every object. */}}
{{- define "streamops-agent.fullname" -}}
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

{{- define "streamops-agent.selectorLabels" -}}
app.kubernetes.io/name: {{ include "streamops-agent.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "streamops-agent.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "streamops-agent.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: streamops
{{- end -}}

{{- define "streamops-agent.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "streamops-agent.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "streamops-agent.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* Prometheus Operator CRDs are templated only when the cluster serves them. */}}
{{- define "streamops-agent.hasPrometheusOperator" -}}
{{- if .Capabilities.APIVersions.Has "monitoring.coreos.com/v1" -}}true{{- end -}}
{{- end -}}

{{/* Whether the chart provides the ingest token (ingestToken.enabled, with ingest on). */}}
{{- define "streamops-agent.ingestTokenEnabled" -}}
{{- $ingest := .Values.config.ingest | default dict -}}
{{- if and .Values.ingestToken.enabled (ne (toString (get $ingest "enabled")) "false") -}}true{{- end -}}
{{- end -}}

{{/* Name of the Secret holding the ingest token: the existing one, or <fullname>-ingest. */}}
{{- define "streamops-agent.ingestTokenSecret" -}}
{{- default (printf "%s-ingest" (include "streamops-agent.fullname" .)) .Values.ingestToken.existingSecret -}}
{{- end -}}

{{/* Where the ingest token Secret is mounted in the agent's container. */}}
{{- define "streamops-agent.ingestTokenDir" -}}/run/secrets/streamops-ingest{{- end -}}

{{/*
The agent configuration file: the `config` value with the server address set by the chart
(the other `config.server` keys are kept), and `ingest.token` pointing at the mounted
ingest token Secret when `ingestToken.enabled`.
*/}}
{{- define "streamops-agent.config" -}}
{{- $config := deepCopy .Values.config -}}
{{- $server := deepCopy (get $config "server" | default dict) -}}
{{- $_ := set $server "host" "0.0.0.0" -}}
{{- $_ := set $server "port" (int .Values.service.port) -}}
{{- $_ := set $config "server" $server -}}
{{- if include "streamops-agent.ingestTokenEnabled" . -}}
{{- $ingest := deepCopy (get $config "ingest" | default dict) -}}
{{- if hasKey $ingest "token" -}}
{{- fail "config.ingest.token is set while ingestToken.enabled is true: the chart sets the token from its Secret; set ingestToken.enabled=false to give your own, or use ingestToken.existingSecret" -}}
{{- end -}}
{{- $_ := set $ingest "token" (dict "file" (printf "%s/%s" (include "streamops-agent.ingestTokenDir" .) .Values.ingestToken.key)) -}}
{{- $_ := set $config "ingest" $ingest -}}
{{- end -}}
{{- toYaml $config -}}
{{- end -}}

{{/* HTTPS probes when the listener has TLS (config.server.tls). */}}
{{- define "streamops-agent.probe" -}}
{{- $probe := deepCopy .probe -}}
{{- $server := get .config "server" | default dict -}}
{{- if and (hasKey $server "tls") (hasKey $probe "httpGet") -}}
{{- $_ := set $probe.httpGet "scheme" "HTTPS" -}}
{{- end -}}
{{- toYaml $probe -}}
{{- end -}}
