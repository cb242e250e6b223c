/**
 * Telemetry names: the service emits them, the alert rules query them. Every attribute value comes from
 * a bounded, server-side set (the constants and mapping functions below, or the service's own
 * configuration: upstream and region names), never from a client: every distinct attribute set is a time
 * series kept in memory and billed in Azure Monitor.
 */
export const Metric = {
  sessionsActive: "voice.sessions.active",
  sessionDurationMs: "voice.session.duration_ms",
  latencyMs: "voice.latency_ms",
  /**
   * Turns counted per fixed latency bucket (attribute `le_ms`): what a percentile needs. Azure Monitor's
   * exporter sends a histogram as one sum/count/min/max per interval (no buckets), so a p95 over
   * `voice.latency_ms` rows is a percentile of interval means; this counter keeps the distribution.
   */
  latencyTurns: "voice.latency.turns",
  connectAttempts: "voice.connect.attempts",
  connectFailures: "voice.connect.failures",
  errors: "voice.errors",
  upstreamFailovers: "voice.upstream.failovers",
  /**
   * Connections that presented a resume token, by `outcome` (the ResumeStatus the proxy told the client:
   * resumed, not_resumable, ambiguous): a region loss or a Redis that lost its state shows here first.
   */
  sessionResumes: "voice.session.resumes",
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
  /** The upstream entry's model or deployment (from the configuration). */
  model: "model",
  from: "from",
  to: "to",
  /** voice.session.resumes: a ResumeStatus other than "new". */
  outcome: "outcome",
  /** Upper bound (ms) of a turn's latency bucket, or "inf" (see LATENCY_BUCKETS_MS). */
  latencyBucket: "le_ms",
} as const;

/** `stage` of voice.connect.attempts / failures: the client's upgrade, or the proxy's upstream connect. */
export const ConnectStage = { client: "client", upstream: "upstream" } as const;

/** The OpenTelemetry meter name the service registers its instruments under. */
export const METER_NAME = "voice-proxy";

/**
 * The service's role name in Application Insights (`cloud_RoleName`), passed as OTEL_SERVICE_NAME; the
 * exporter reports "unknown_service:<node path>" otherwise.
 */
export const SERVICE_ROLE_NAME = "voice-proxy";
export const OTEL_SERVICE_NAME_ENV = "OTEL_SERVICE_NAME";

/**
 * Latency bucket bounds (ms), sized for voice: the interesting region is 100-1,000 ms. The p95 alert's
 * threshold must be one of them, so "p95 above T" is exactly "more than 5% of turns in buckets above T".
 */
export const LATENCY_BUCKETS_MS = [50, 100, 150, 200, 250, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 5000] as const;
export const LATENCY_OVERFLOW_BUCKET = "inf";

/** The `le_ms` label of a latency: the smallest bound at or above it, else "inf". Non-finite input is "inf". */
export function latencyBucketOf(ms: number): string {
  if (!Number.isFinite(ms)) return LATENCY_OVERFLOW_BUCKET;
  for (const bound of LATENCY_BUCKETS_MS) if (ms <= bound) return String(bound);
  return LATENCY_OVERFLOW_BUCKET;
}

/**
 * Voices a label may name: the realtime API's built-in voices (OpenAI realtime voices as Azure OpenAI
 * and Voice Live's OpenAI-voice mode accept them). Any other value a client sends (an Azure TTS voice,
 * a typo, an attack) is reported as "other".
 */
export const KNOWN_VOICES = ["alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar"] as const;
export const OTHER_LABEL = "other";
export const DEFAULT_VOICE_LABEL = "default";

export function voiceLabel(voice: unknown): string {
  if (voice === undefined || voice === null || voice === "") return DEFAULT_VOICE_LABEL;
  if (typeof voice !== "string") return OTHER_LABEL;
  const v = voice.toLowerCase();
  return (KNOWN_VOICES as readonly string[]).includes(v) ? v : OTHER_LABEL;
}

/** Token kinds of voice.tokens (the usage fields of a realtime `response.done`). */
export const TOKEN_KINDS = ["input_audio", "input_text", "cached_audio", "cached_text", "output_audio", "output_text"] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];
/** Token kinds of input transcription usage (also voice.tokens `kind`). */
export const TRANSCRIPTION_TOKEN_KINDS = ["transcription_audio", "transcription_text_in", "transcription_text_out"] as const;
export type TranscriptionTokenKind = (typeof TRANSCRIPTION_TOKEN_KINDS)[number];

/**
 * `code`s of voice.errors that mean the platform failed a session: no upstream could be reached, an
 * upstream connection died, an upstream stopped answering pings. The error-rate alert counts these; the
 * client's own errors (invalid_json, invalid_event, binary_frame, queue_overflow) are not outages.
 */
export const PLATFORM_ERROR_CODES = ["upstream_unavailable", "upstream_lost", "peer_timeout"] as const;

/** `direction` of voice.audio.seconds. */
export const AUDIO_DIRECTIONS = ["in", "out"] as const;

/**
 * The scale signal: the session registry's sorted set of open sessions (member = session id, score = last
 * heartbeat), read by the container app's KEDA `redis` scale rule as its cardinality (ZCARD). The registry
 * writes it; the infrastructure reads it; both take the name from here.
 */
export const OPEN_SESSIONS_KEY = "voice:sessions";
