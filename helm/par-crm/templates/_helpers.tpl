{{- define "par-crm.name" -}}{{ .Chart.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- define "par-crm.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}{{ .Release.Name | trunc 63 | trimSuffix "-" }}{{- else -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}
{{- define "par-crm.labels" -}}
app.kubernetes.io/name: {{ include "par-crm.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}
{{- define "par-crm.selector" -}}
app.kubernetes.io/name: {{ include "par-crm.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
{{- define "par-crm.secretName" -}}{{ .Values.secrets.existingSecret | default (include "par-crm.fullname" .) }}{{- end -}}
{{- define "par-crm.image" -}}{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}{{- end -}}
{{- define "par-crm.serviceAccountName" -}}{{ if .Values.serviceAccount.create }}{{ .Values.serviceAccount.name | default (include "par-crm.fullname" .) }}{{ else }}{{ .Values.serviceAccount.name | default "default" }}{{ end }}{{- end -}}
{{- define "par-crm.validate" -}}
{{- if not .Values.config.baseUrl }}{{ fail "config.baseUrl is required" }}{{ end -}}
{{- $pg := or .Values.database.url .Values.database.fromExistingSecret -}}
{{- if and (not $pg) (not .Values.database.embedded) }}{{ fail "set database.url (or database.fromExistingSecret), or database.embedded=true for a single-pod try-out" }}{{ end -}}
{{- if and .Values.database.embedded (gt (int .Values.replicaCount) 1) }}{{ fail "database.embedded allows one replica only: set replicaCount=1 or use Postgres" }}{{ end -}}
{{- if and .Values.database.embedded (not .Values.persistence.enabled) }}{{ fail "database.embedded needs persistence.enabled=true" }}{{ end -}}
{{- if and (not .Values.secrets.existingSecret) (or (not .Values.secrets.sessionSecret) (not .Values.secrets.encryptionKey)) }}{{ fail "set secrets.sessionSecret and secrets.encryptionKey, or secrets.existingSecret" }}{{ end -}}
{{- end -}}
{{/* Environment shared by the pods and the migration job. */}}
{{- define "par-crm.env" -}}
- name: NODE_ENV
  value: production
- name: PORT
  value: "3000"
- name: DATA_DIR
  value: /data
- name: BASE_URL
  value: {{ .Values.config.baseUrl | quote }}
- name: TRUST_PROXY
  value: {{ .Values.config.trustProxy | quote }}
- name: LOG_LEVEL
  value: {{ .Values.config.logLevel | quote }}
- name: SIGNUP_ENABLED
  value: {{ .Values.config.signupEnabled | quote }}
- name: JOBS_ENABLED
  value: {{ .Values.config.jobsEnabled | quote }}
- name: SESSION_TTL_HOURS
  value: {{ .Values.config.sessionTtlHours | quote }}
- name: MAIL_FROM
  value: {{ .Values.config.mailFrom | quote }}
- name: WHATSAPP_GRAPH_URL
  value: {{ .Values.config.whatsappGraphUrl | quote }}
- name: WHATSAPP_GRAPH_VERSION
  value: {{ .Values.config.whatsappGraphVersion | quote }}
- name: DATABASE_POOL_MAX
  value: {{ .Values.config.databasePoolMax | quote }}
- name: SESSION_SECRET
  valueFrom: { secretKeyRef: { name: {{ include "par-crm.secretName" . }}, key: SESSION_SECRET } }
- name: ENCRYPTION_KEY
  valueFrom: { secretKeyRef: { name: {{ include "par-crm.secretName" . }}, key: ENCRYPTION_KEY } }
{{- if or .Values.database.url .Values.database.fromExistingSecret }}
- name: DATABASE_URL
  valueFrom: { secretKeyRef: { name: {{ include "par-crm.secretName" . }}, key: DATABASE_URL } }
{{- end }}
- name: SMTP_URL
  valueFrom: { secretKeyRef: { name: {{ include "par-crm.secretName" . }}, key: SMTP_URL, optional: true } }
{{- with .Values.config.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}
