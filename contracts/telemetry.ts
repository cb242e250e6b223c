/**
 * Telemetry names: the service emits them, the alert rules query them. Attribute values come from the
 * bounded sets below or from the service's own configuration (upstream and region names), never from a
 * client: every distinct attribute set is a time series kept in memory and billed in Azure Monitor.
 */
export const Metric = {
  sessionsActive: "voice.sessions.active",
  sessionDurationMs: "voice.session.duration_ms",
  latencyMs: "voice.latency_ms",
  connectAttempts: "voice.connect.attempts",
  connectFailures: "voice.connect.failures",
  errors: "voice.errors",
  upstreamFailovers: "voice.upstream.failovers",
  audioSeconds: "voice.audio.seconds",
  tokens: "voice.tokens",
  costUsd: "voice.cost.usd",
} as const;

export type MetricName = (typeof Metric)[keyof typeof Metric];

/** Attribute keys carried by the metrics above. */
export const MetricAttribute = {
  voice: "voice",
  region: "region",
  direction: "direction",
  kind: "kind",
  stage: "stage",
  reason: "reason",
  code: "code",
  upstream: "upstream",
  from: "from",
  to: "to",
} as const;

/** `stage` of voice.connect.attempts / failures: the client's upgrade, or the proxy's upstream connect. */
export const ConnectStage = { client: "client", upstream: "upstream" } as const;

/** The OpenTelemetry meter name the service registers its instruments under. */
export const METER_NAME = "voice-proxy";
