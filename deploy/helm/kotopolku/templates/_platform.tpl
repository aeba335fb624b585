{{/*
Shared parts of the platform components (Keycloak, PostgreSQL, the OpenTelemetry collector):
they run third-party images, so user ids differ from the services', but the same hardening
applies: non-root, read-only root filesystem, no capabilities, RuntimeDefault seccomp.
*/}}

{{/* Pod security context. ctx: uid (int) */}}
{{- define "kotopolku.platformPodSecurity" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .uid }}
fsGroup: {{ .uid }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Container security context. ctx: uid (int) */}}
{{- define "kotopolku.platformContainerSecurity" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .uid }}
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
privileged: false
capabilities:
  drop: ["ALL"]
{{- end -}}

{{/* ServiceAccount without an API token. ctx: dict root name */}}
{{- define "kotopolku.platformServiceAccount" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "kotopolku.componentName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "kotopolku.labels" . | nindent 4 }}
automountServiceAccountToken: false
{{- end -}}

{{/* Ingress rule from the pods of some components of this release. ctx: dict root components ports */}}
{{- define "kotopolku.fromComponents" -}}
- ports:
    {{- range .ports }}
    - port: {{ int . }}
      protocol: TCP
    {{- end }}
  from:
    - podSelector:
        matchLabels:
          {{- include "kotopolku.releaseSelectorLabels" .root | nindent 10 }}
        matchExpressions:
          - key: app.kubernetes.io/component
            operator: In
            values:
              {{- toYaml .components | nindent 14 }}
{{- end -}}

{{/* Ingress rule from the monitoring namespace to a metrics port. ctx: dict root port */}}
{{- define "kotopolku.fromMonitoring" -}}
{{- with .root.Values.networkPolicy.monitoring }}
{{- if .enabled }}
- ports:
    - port: {{ int $.port }}
      protocol: TCP
  from:
    - namespaceSelector:
        {{- toYaml .namespaceSelector | nindent 8 }}
      {{- with .podSelector }}
      podSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}
{{- end }}
{{- end -}}
