{{/*
Kotopolku chart helpers.

Every workload object is generated from ONE entry of `.Values.services`, deep-merged over
`.Values.default` (see "kotopolku.services"). Templates range over the merged map; nothing is
written per service.
*/}}

{{- define "kotopolku.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "kotopolku.fullname" -}}
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

{{- define "kotopolku.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Object name of one component: <fullname>-<service>. ctx: dict root name */}}
{{- define "kotopolku.componentName" -}}
{{- printf "%s-%s" (include "kotopolku.fullname" .root) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels shared by every pod of the release (used by the default-deny NetworkPolicy). */}}
{{- define "kotopolku.releaseSelectorLabels" -}}
app.kubernetes.io/name: {{ include "kotopolku.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Selector labels of one component. ctx: dict root name */}}
{{- define "kotopolku.selectorLabels" -}}
{{ include "kotopolku.releaseSelectorLabels" .root }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{/* Common metadata labels. ctx: dict root name */}}
{{- define "kotopolku.labels" -}}
helm.sh/chart: {{ include "kotopolku.chart" .root }}
{{ include "kotopolku.selectorLabels" . }}
app.kubernetes.io/part-of: kotopolku
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end -}}

{{/* Labels of release-wide objects (ConfigMap, default-deny policy). */}}
{{- define "kotopolku.commonLabels" -}}
helm.sh/chart: {{ include "kotopolku.chart" . }}
{{ include "kotopolku.releaseSelectorLabels" . }}
app.kubernetes.io/part-of: kotopolku
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/*
Recursive deep merge: copies every key of .src into .dst (mutating .dst). Maps merge key by key,
everything else (scalars, lists, false, 0, "") replaces. Unlike sprig's mergeOverwrite this lets a
service set `false`/`0` over a default of `true`/`1`.
*/}}
{{- define "kotopolku.deepMerge" -}}
{{- $dst := .dst -}}
{{- range $k, $v := .src -}}
{{- $cur := get $dst $k -}}
{{- if and (kindIs "map" $v) (kindIs "map" $cur) -}}
{{- include "kotopolku.deepMerge" (dict "dst" $cur "src" $v) -}}
{{- else if kindIs "map" $v -}}
{{- $_ := set $dst $k (deepCopy $v) -}}
{{- else -}}
{{- $_ := set $dst $k $v -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The effective configuration of every enabled service, as YAML: {name: default ⊕ services[name]}.
Use:  {{- $services := include "kotopolku.services" . | fromYaml }}
Also validates cross-field rules that values.schema.json cannot express.
*/}}
{{- define "kotopolku.services" -}}
{{- $out := dict -}}
{{- $names := list -}}
{{- range $name, $svc := .Values.services -}}
{{- $merged := deepCopy $.Values.default -}}
{{- include "kotopolku.deepMerge" (dict "dst" $merged "src" (default dict $svc)) -}}
{{- if $merged.enabled -}}
{{- $_ := set $out $name $merged -}}
{{- $names = append $names $name -}}
{{- end -}}
{{- end -}}
{{- $platform := include "kotopolku.platformComponents" . | fromYamlArray -}}
{{- range $name, $svc := $out -}}
{{- if has $name $platform -}}
{{- fail (printf "services.%s: the name is taken by a platform component of the chart (%s)" $name (join ", " $platform)) -}}
{{- end -}}
{{- if hasKey (default dict $svc.env) "KOTOPOLKU_SHUTDOWN_GRACE_SECONDS" -}}
{{- fail (printf "services.%s.env: set lifecycle.drainSeconds instead of KOTOPOLKU_SHUTDOWN_GRACE_SECONDS (the grace period is checked against it)" $name) -}}
{{- end -}}
{{- $lc := $svc.lifecycle -}}
{{- if le (int $lc.terminationGracePeriodSeconds) (add (int $lc.drainSeconds) (int $lc.preStopSleepSeconds) | int) -}}
{{- fail (printf "services.%s.lifecycle.terminationGracePeriodSeconds (%d) must be larger than drainSeconds + preStopSleepSeconds (%d)" $name (int $lc.terminationGracePeriodSeconds) (add (int $lc.drainSeconds) (int $lc.preStopSleepSeconds) | int)) -}}
{{- end -}}
{{- range $peer := $svc.allowFrom -}}
{{- if not (has $peer $names) -}}
{{- fail (printf "services.%s.allowFrom: %q is not an enabled service (known: %s)" $name $peer (join ", " $names)) -}}
{{- end -}}
{{- end -}}
{{- if and $svc.autoscaling.enabled (lt (int $svc.autoscaling.maxReplicas) (int $svc.autoscaling.minReplicas)) -}}
{{- fail (printf "services.%s.autoscaling.maxReplicas must be >= minReplicas" $name) -}}
{{- end -}}
{{- end -}}
{{- if and .Values.postgresql.enabled (eq .Values.environment "production") -}}
{{- fail "postgresql.enabled: the in-chart PostgreSQL is for the dev profile only; production uses existing databases (services.<name>.database.existingSecret)" -}}
{{- end -}}
{{- if and .Values.keycloak.enabled (eq .Values.keycloak.database.vendor "postgres") (not .Values.keycloak.database.host) (not .Values.postgresql.enabled) -}}
{{- fail "keycloak.database.host: required for vendor postgres unless postgresql.enabled" -}}
{{- end -}}
{{- if and .Values.keycloak.enabled (eq .Values.keycloak.database.vendor "postgres") (not .Values.keycloak.database.existingSecret) -}}
{{- fail "keycloak.database.existingSecret: required for vendor postgres (keys username, password)" -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/* Components the chart adds beside the services; no service may take these names. */}}
{{- define "kotopolku.platformComponents" -}}
- keycloak
- postgresql
- otel-collector
{{- end -}}

{{/*
Who calls whom, as YAML {callee: [callers]}: the gateway (public services) and `allowFrom` call an
internal service; with allowFromAllServices every service does. Ingress and egress policies are
both rendered from this one map.
*/}}
{{- define "kotopolku.callGraph" -}}
{{- $services := include "kotopolku.services" . | fromYaml -}}
{{- $all := keys $services | sortAlpha -}}
{{- $public := list -}}
{{- range $name, $svc := $services -}}
{{- if eq $svc.exposure "public" }}{{ $public = append $public $name }}{{ end -}}
{{- end -}}
{{- $graph := dict -}}
{{- range $name, $svc := $services -}}
{{- if ne $svc.exposure "public" -}}
{{- $callers := list -}}
{{- if $svc.allowFromAllServices -}}
{{- $callers = $all -}}
{{- else -}}
{{- $callers = concat $public (default list $svc.allowFrom) | uniq | sortAlpha -}}
{{- end -}}
{{- $_ := set $graph $name (without $callers $name) -}}
{{- end -}}
{{- end -}}
{{- toYaml $graph -}}
{{- end -}}

{{/* Issuer of the access tokens: <keycloak.url>/realms/<realm>. */}}
{{- define "kotopolku.oidcIssuer" -}}
{{- printf "%s/realms/%s" (trimSuffix "/" .Values.keycloak.url) .Values.keycloak.realm -}}
{{- end -}}

{{/* Base URL the gateway reaches Keycloak at from inside the cluster. */}}
{{- define "kotopolku.keycloakInternalUrl" -}}
{{- if .Values.keycloak.internalUrl -}}
{{- trimSuffix "/" .Values.keycloak.internalUrl -}}
{{- else if .Values.keycloak.enabled -}}
{{- printf "http://%s:8080" (include "kotopolku.componentName" (dict "root" . "name" "keycloak")) -}}
{{- else -}}
{{- trimSuffix "/" .Values.keycloak.url -}}
{{- end -}}
{{- end -}}

{{/* The OTLP endpoint every service exports to: otel.endpoint, else the in-chart collector. */}}
{{- define "kotopolku.otelEndpoint" -}}
{{- if .Values.otel.endpoint -}}
{{- .Values.otel.endpoint -}}
{{- else if .Values.otelCollector.enabled -}}
{{- printf "http://%s:4317" (include "kotopolku.componentName" (dict "root" . "name" "otel-collector")) -}}
{{- end -}}
{{- end -}}

{{/* Labels of a platform component's objects. ctx: dict root name */}}
{{- define "kotopolku.platformLabels" -}}
{{ include "kotopolku.labels" . }}
{{- end -}}

{{/*
Egress rules to an outside destination: `to` peers (empty = any address) on `ports`.
ctx: dict to ports
*/}}
{{- define "kotopolku.externalEgress" -}}
- ports:
    {{- range .ports }}
    - port: {{ int . }}
      protocol: TCP
    {{- end }}
  {{- with .to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}

{{/* Egress rule to pods of a component of this release. ctx: dict root component ports */}}
{{- define "kotopolku.componentEgress" -}}
- to:
    - podSelector:
        matchLabels:
          {{- include "kotopolku.selectorLabels" (dict "root" .root "name" .component) | nindent 10 }}
  ports:
    {{- range .ports }}
    - port: {{ int . }}
      protocol: TCP
    {{- end }}
{{- end -}}

{{/* Egress to the database: the in-chart PostgreSQL or networkPolicy.egress.database. */}}
{{- define "kotopolku.databaseEgress" -}}
{{- if .Values.postgresql.enabled -}}
{{ include "kotopolku.componentEgress" (dict "root" . "component" "postgresql" "ports" (list 5432)) }}
{{- else -}}
{{ include "kotopolku.externalEgress" .Values.networkPolicy.egress.database }}
{{- end -}}
{{- end -}}

{{/* Egress to the telemetry collector, when traces are exported at all. */}}
{{- define "kotopolku.telemetryEgress" -}}
{{- if .Values.otel.endpoint -}}
{{ include "kotopolku.externalEgress" .Values.networkPolicy.egress.telemetry }}
{{- else if .Values.otelCollector.enabled -}}
{{ include "kotopolku.componentEgress" (dict "root" . "component" "otel-collector" "ports" (list 4317 4318)) }}
{{- end -}}
{{- end -}}

{{/* Full image reference of one service. ctx: dict root name svc */}}
{{- define "kotopolku.image" -}}
{{- $top := .root.Values.image -}}
{{- $img := default dict .svc.image -}}
{{- $repo := $img.repository -}}
{{- if not $repo -}}
{{- $repo = printf "%s%s" $top.namePrefix .name -}}
{{- if $top.registry -}}
{{- $repo = printf "%s/%s" (trimSuffix "/" $top.registry) $repo -}}
{{- end -}}
{{- end -}}
{{- $tag := toString (default $top.tag $img.tag) -}}
{{- $digest := default $top.digest $img.digest -}}
{{- if and $img.tag (not $img.digest) -}}
{{- /* a per-service tag without a per-service digest must not inherit another build's digest */ -}}
{{- $digest = "" -}}
{{- end -}}
{{- if or (not $tag) (eq $tag "latest") -}}
{{- fail (printf "services.%s: image tag must be pinned (got %q); set image.tag (never \"latest\")" .name $tag) -}}
{{- end -}}
{{- if $digest -}}
{{- printf "%s:%s@%s" $repo $tag $digest -}}
{{- else -}}
{{- printf "%s:%s" $repo $tag -}}
{{- end -}}
{{- end -}}

{{/* Name of the port the service listens on. */}}
{{- define "kotopolku.portName" -}}
{{- if eq .kind "http" -}}http{{- else -}}grpc{{- end -}}
{{- end -}}

{{/* true when metrics are served on their own port. */}}
{{- define "kotopolku.separateMetricsPort" -}}
{{- if ne (int .metricsPort) (int .port) -}}true{{- end -}}
{{- end -}}

{{/* Database Secret name of one service. ctx: dict root name svc */}}
{{- define "kotopolku.databaseSecret" -}}
{{- default (printf "%s-database" (include "kotopolku.componentName" .)) .svc.database.existingSecret -}}
{{- end -}}

{{/* Environment variable name of a service address: clients -> KOTOPOLKU_CLIENTS_ADDRESS */}}
{{- define "kotopolku.addressEnvName" -}}
{{- printf "KOTOPOLKU_%s_ADDRESS" (. | upper | replace "-" "_") -}}
{{- end -}}

{{/*
Shared, non-secret environment (the ConfigMap `<fullname>-env`): .Values.sharedEnv plus values the
chart derives (addresses of every gRPC service, key file paths, OTLP endpoint). Output: YAML map.
*/}}
{{- define "kotopolku.sharedEnv" -}}
{{- $services := include "kotopolku.services" . | fromYaml -}}
{{- $env := dict -}}
{{- range $k, $v := .Values.sharedEnv -}}
{{- $_ := set $env $k (toString $v) -}}
{{- end -}}
{{- range $name, $svc := $services -}}
{{- if eq $svc.kind "grpc" -}}
{{- $_ := set $env (include "kotopolku.addressEnvName" $name) (printf "%s:%d" (include "kotopolku.componentName" (dict "root" $ "name" $name)) (int $svc.port)) -}}
{{- end -}}
{{- end -}}
{{- $keys := .Values.internalKeys.mountPath -}}
{{- $_ := set $env "KOTOPOLKU_GATEWAY_PUBLIC_KEY_FILE" (printf "%s/gateway.pub" $keys) -}}
{{- $_ := set $env "KOTOPOLKU_SERVICE_PUBLIC_KEY_FILE" (printf "%s/service.pub" $keys) -}}
{{- /* Migrations never run on start inside the cluster: the pre-install/pre-upgrade Job does it. */ -}}
{{- $_ := set $env "KOTOPOLKU_MIGRATE_ON_START" "false" -}}
{{- with include "kotopolku.otelEndpoint" . -}}
{{- $_ := set $env "OTEL_EXPORTER_OTLP_ENDPOINT" . -}}
{{- end -}}
{{- if .Values.otel.protocol -}}
{{- $_ := set $env "OTEL_EXPORTER_OTLP_PROTOCOL" .Values.otel.protocol -}}
{{- else if and (not .Values.otel.endpoint) .Values.otelCollector.enabled -}}
{{- $_ := set $env "OTEL_EXPORTER_OTLP_PROTOCOL" "grpc" -}}
{{- end -}}
{{- toYaml $env -}}
{{- end -}}

{{/*
Per-service plain environment (rendered inline in the pod spec): derived ports/keys/OTel values,
then default.env, then services.<name>.env (later wins). Output: YAML map.
ctx: dict root name svc
*/}}
{{- define "kotopolku.serviceEnv" -}}
{{- $svc := .svc -}}
{{- $env := dict -}}
{{- if eq $svc.kind "http" -}}
{{- $_ := set $env "KOTOPOLKU_HTTP_PORT" (toString (int $svc.port)) -}}
{{- else -}}
{{- $_ := set $env "KOTOPOLKU_GRPC_PORT" (toString (int $svc.port)) -}}
{{- end -}}
{{- $_ := set $env "KOTOPOLKU_METRICS_PORT" (toString (int $svc.metricsPort)) -}}
{{- $_ := set $env "KOTOPOLKU_SHUTDOWN_GRACE_SECONDS" (toString (int $svc.lifecycle.drainSeconds)) -}}
{{- $keyFile := printf "%s/%s.pem" .root.Values.internalKeys.mountPath $svc.signingKey -}}
{{- if eq $svc.signingKey "gateway" -}}
{{- $_ := set $env "KOTOPOLKU_GATEWAY_KEY_FILE" $keyFile -}}
{{- else -}}
{{- $_ := set $env "KOTOPOLKU_SERVICE_KEY_FILE" $keyFile -}}
{{- end -}}
{{- $_ := set $env "OTEL_SERVICE_NAME" (printf "kotopolku-%s" .name) -}}
{{- $_ := set $env "KOTOPOLKU_BUILD_VERSION" (toString (default .root.Values.image.tag (default dict $svc.image).tag)) -}}
{{- if $svc.usesKeycloak -}}
{{- $_ := set $env "KOTOPOLKU_OIDC_ISSUER" (include "kotopolku.oidcIssuer" .root) -}}
{{- $_ := set $env "KOTOPOLKU_OIDC_JWKS_URL" (printf "%s/realms/%s/protocol/openid-connect/certs" (include "kotopolku.keycloakInternalUrl" .root) .root.Values.keycloak.realm) -}}
{{- end -}}
{{- $attrs := list "service.namespace=kotopolku" (printf "service.version=%s" (toString (default .root.Values.image.tag (default dict $svc.image).tag))) (printf "deployment.environment.name=%s" .root.Values.environment) "k8s.namespace.name=$(K8S_NAMESPACE)" "k8s.pod.name=$(K8S_POD_NAME)" "k8s.node.name=$(K8S_NODE_NAME)" -}}
{{- range $k, $v := .root.Values.otel.resourceAttributes -}}
{{- $attrs = append $attrs (printf "%s=%s" $k (toString $v)) -}}
{{- end -}}
{{- $_ := set $env "OTEL_RESOURCE_ATTRIBUTES" (join "," $attrs) -}}
{{- range $k, $v := $svc.env -}}
{{- $_ := set $env $k (toString $v) -}}
{{- end -}}
{{- toYaml $env -}}
{{- end -}}

{{/*
The `env:` list of a container. ctx: dict root name svc inline
With inline=true the shared environment is rendered inline too (the migration hook runs before the
ConfigMap exists on first install).
*/}}
{{- define "kotopolku.containerEnv" -}}
- name: K8S_POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: K8S_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: K8S_NODE_NAME
  valueFrom:
    fieldRef:
      fieldPath: spec.nodeName
{{- $env := dict -}}
{{- if .inline -}}
{{- $env = include "kotopolku.sharedEnv" .root | fromYaml -}}
{{- end -}}
{{- $own := include "kotopolku.serviceEnv" . | fromYaml -}}
{{- range $k, $v := $own -}}
{{- $_ := set $env $k $v -}}
{{- end -}}
{{- range $k := keys $env | sortAlpha }}
- name: {{ $k }}
  value: {{ get $env $k | toString | quote }}
{{- end }}
{{- if .svc.database.enabled }}
- name: KOTOPOLKU_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "kotopolku.databaseSecret" . }}
      key: {{ .svc.database.secretKey }}
{{- end }}
{{- end -}}

{{/* Volumes shared by the Deployment and the migration Job. ctx: dict root name svc */}}
{{- define "kotopolku.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .svc.tmpDir.sizeLimit }}
- name: internal-keys
  secret:
    secretName: {{ .root.Values.internalKeys.existingSecret }}
    defaultMode: 0440
    items:
      - key: {{ .svc.signingKey }}.pem
        path: {{ .svc.signingKey }}.pem
      - key: gateway.pub
        path: gateway.pub
      - key: service.pub
        path: service.pub
{{- range .svc.secretMounts }}
- name: {{ .name }}
  secret:
    secretName: {{ .secretName }}
    defaultMode: 0440
{{- end }}
{{- end -}}

{{- define "kotopolku.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: internal-keys
  mountPath: {{ .root.Values.internalKeys.mountPath }}
  readOnly: true
{{- range .svc.secretMounts }}
- name: {{ .name }}
  mountPath: {{ .mountPath }}
  readOnly: true
{{- end }}
{{- end -}}
