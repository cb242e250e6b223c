/**
 * Telemetry names (contract, see DESIGN.md): the service emits these and the alert rules in
 * `stacks/` query them. This is the only place they are spelled; import them, never retype them.
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
} as const;

/** The OpenTelemetry meter name the service registers its instruments under. */
export const METER_NAME = "voice-proxy";
