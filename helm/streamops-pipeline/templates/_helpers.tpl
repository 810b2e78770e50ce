{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "streamops-pipeline.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-qualified name of every object. */}}
{{- define "streamops-pipeline.fullname" -}}
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

{{- define "streamops-pipeline.selectorLabels" -}}
app.kubernetes.io/name: {{ include "streamops-pipeline.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "streamops-pipeline.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "streamops-pipeline.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: streamops
{{- end -}}

{{- define "streamops-pipeline.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "streamops-pipeline.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "streamops-pipeline.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* Prometheus Operator CRDs are templated only when the cluster serves them. */}}
{{- define "streamops-pipeline.hasPrometheusOperator" -}}
{{- if .Capabilities.APIVersions.Has "monitoring.coreos.com/v1" -}}true{{- end -}}
{{- end -}}

{{/* Largest replica count an autoscaler may set: maxReplicas capped at the input partitions. */}}
{{- define "streamops-pipeline.cap" -}}
{{- $max := int .max -}}
{{- $partitions := int .partitions -}}
{{- if and (gt $partitions 0) (gt $max $partitions) -}}{{ $partitions }}{{- else -}}{{ $max }}{{- end -}}
{{- end -}}

{{- define "streamops-pipeline.pipelineName" -}}
{{- default .Release.Name .Values.sdk.pipeline -}}
{{- end -}}

{{/* Checks the values the schema cannot. */}}
{{- define "streamops-pipeline.validate" -}}
{{- if and .Values.autoscaling.hpa.enabled .Values.autoscaling.keda.enabled -}}
{{- fail "autoscaling: enable either autoscaling.hpa or autoscaling.keda, not both" -}}
{{- end -}}
{{- if .Values.kafka.sasl.enabled -}}
{{- if eq .Values.kafka.sasl.mechanism "aws-msk-iam" -}}
{{- if not .Values.kafka.tls.enabled -}}
{{- fail "kafka.tls.enabled: aws-msk-iam needs TLS (MSK serves IAM on its TLS listeners, port 9098)" -}}
{{- end -}}
{{- if .Values.autoscaling.keda.enabled -}}
{{- fail "autoscaling.keda: the chart does not wire KEDA's Kafka scaler to MSK IAM; use autoscaling.hpa" -}}
{{- end -}}
{{- else if not .Values.kafka.sasl.existingSecret -}}
{{- fail "kafka.sasl.existingSecret: name the existing Secret holding the SASL username and password" -}}
{{- end -}}
{{- end -}}
{{- if and .Values.sdk.reporter.enabled .Values.sdk.reporter.token.existingSecret (not .Values.sdk.reporter.token.key) -}}
{{- fail "sdk.reporter.token.key: name the key of the token in sdk.reporter.token.existingSecret" -}}
{{- end -}}
{{- if .Values.autoscaling.keda.enabled -}}
{{- if not (or .Values.autoscaling.keda.consumerGroup .Values.kafka.consumerGroup) -}}
{{- fail "autoscaling.keda: set kafka.consumerGroup (or autoscaling.keda.consumerGroup), the group whose lag is scaled on" -}}
{{- end -}}
{{- end -}}
{{- end -}}
