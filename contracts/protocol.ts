/**
 * The client-facing protocol: paths, API versions, refusals at the upgrade, close codes, the proxy's
 * own events, and the realtime event names the proxy relies on. The service implements it; the
 * emulator, the clients, the tests and the alert queries read it from here.
 */

/** Paths a client connects to, one per dialect (Voice Live, Azure OpenAI preview-style, Azure OpenAI v1 GA). */
export const ClientPath = {
  voiceLive: "/voice-live/realtime",
  openai: "/openai/realtime",
  openaiV1: "/openai/v1/realtime",
} as const;
export type ClientPathName = (typeof ClientPath)[keyof typeof ClientPath];
export const CLIENT_PATHS: ReadonlySet<string> = new Set(Object.values(ClientPath));

/** api-version used towards an upstream when neither the client nor the upstream entry names one. */
export const DEFAULT_API_VERSION = { "voice-live": "2025-10-01", "azure-openai": "2025-04-01-preview" } as const;

/**
 * Every refusal at the upgrade: its HTTP status, and whether the client caused it (a bad token, a
 * foreign origin, a user over its limit) or the platform did (no capacity, no upstream). Alerts on
 * connect failures count only the platform's.
 */
export const Refusal = {
  bad_handshake: { status: 400, causedBy: "client" },
  not_found: { status: 404, causedBy: "client" },
  origin_not_allowed: { status: 403, causedBy: "client" },
  front_door_required: { status: 403, causedBy: "client" },
  model_not_allowed: { status: 403, causedBy: "client" },
  token_missing: { status: 401, causedBy: "client" },
  token_malformed: { status: 401, causedBy: "client" },
  token_expired: { status: 401, causedBy: "client" },
  token_not_yet_valid: { status: 401, causedBy: "client" },
  token_bad_signature: { status: 401, causedBy: "client" },
  token_bad_issuer: { status: 401, causedBy: "client" },
  token_bad_audience: { status: 401, causedBy: "client" },
  token_bad_algorithm: { status: 401, causedBy: "client" },
  token_no_subject: { status: 401, causedBy: "client" },
  token_no_expiry: { status: 401, causedBy: "client" },
  token_lifetime_too_long: { status: 401, causedBy: "client" },
  /** A query parameter the proxy would forward upstream (api-version) is not one the upstream kind supports. */
  bad_parameter: { status: 400, causedBy: "client" },
  user_session_limit: { status: 429, causedBy: "client" },
  /** The user started too many sessions or resumes this minute (Retry-After says when to try again). */
  user_rate_limited: { status: 429, causedBy: "client" },
  /** Every upstream serving the route has used its quota of new connections this minute (Retry-After). */
  upstream_busy: { status: 429, causedBy: "platform" },
  auth_unavailable: { status: 503, causedBy: "platform" },
  draining: { status: 503, causedBy: "platform" },
  instance_full: { status: 503, causedBy: "platform" },
  admission_unavailable: { status: 503, causedBy: "platform" },
} as const satisfies Record<string, { status: number; causedBy: "client" | "platform" }>;
export type RefusalCode = keyof typeof Refusal;

export function refusalsCausedBy(party: "client" | "platform"): RefusalCode[] {
  return (Object.keys(Refusal) as RefusalCode[]).filter((code) => Refusal[code].causedBy === party);
}

/** Close codes the proxy sends after the upgrade. */
export const CloseCode = {
  normal: 1000,
  policy: 1008,
  tooBig: 1009,
  internal: 1011,
  /** The instance is going away: reconnect (and resume). */
  restart: 1012,
  /** Upstream unavailable or capacity: try again later. */
  tryAgainLater: 1013,
  sessionTimeLimit: 4000,
  /** Another connection resumed this session: this one must not reconnect. */
  replaced: 4001,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** The proxy's own events; clients that do not know them ignore them. */
export const ProxyEvent = {
  session: "proxy.session",
  expiring: "proxy.session.expiring",
  reconnect: "proxy.reconnect",
  unforwarded: "proxy.unforwarded",
  resumed: "proxy.resumed",
} as const;

/**
 * Browsers cannot set headers on a WebSocket: the user's token rides in a subprotocol instead (the
 * convention of openai's browser client), offered with `realtime`, which the proxy echoes back.
 */
export const REALTIME_SUBPROTOCOL = "realtime";
export const TOKEN_SUBPROTOCOL_PREFIX = "openai-insecure-api-key.";

/** Where a reconnecting client puts its resume token: the query, or a header. */
export const RESUME_QUERY = "resume";
export const RESUME_HEADER = "x-resume-token";
/** A resume token: 32 random bytes, base64url. Anything else is not looked up at all. */
export const RESUME_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * How the session of a new connection began:
 * - `new`: no resume asked for (or implicit resume found nothing to resume);
 * - `resumed`: the conversation continues (a `proxy.resumed` event follows);
 * - `ambiguous`: no token, and the user has several resumable sessions on this path and model;
 * - `not_resumable`: the token is unknown, expired, ended, or not this user's.
 */
export type ResumeStatus = "new" | "resumed" | "ambiguous" | "not_resumable";

/** First event on every connection. */
export interface ProxySessionEvent {
  type: typeof ProxyEvent.session;
  session_id: string;
  /** Reconnect with `?resume=<token>` (or the x-resume-token header) to continue this session. */
  resume_token: string;
  /** Time left before the session's limit (counted across resumes). */
  expires_in_ms: number;
  resume_status: ResumeStatus;
}

/** The instance is going away: reconnect (any instance) with the token; the close (1012) follows. */
export interface ProxyReconnectEvent {
  type: typeof ProxyEvent.reconnect;
  session_id: string;
  resume_token: string;
  reason: string;
}

/**
 * Just before the close that follows `proxy.reconnect`: how many of the client's events arrived after
 * `proxy.reconnect` was sent (sent before the client read it). They were not forwarded to the upstream
 * this instance is closing: the client sends its last `count` events again on its next connection
 * (the client library does), so an utterance begun at that moment is not cut.
 */
export interface ProxyUnforwardedEvent {
  type: typeof ProxyEvent.unforwarded;
  session_id: string;
  count: number;
}

/** The new upstream session holds the configuration and conversation; the client's events flow again. */
export interface ProxyResumedEvent {
  type: typeof ProxyEvent.resumed;
  session_id: string;
  /** Conversation items replayed to the new upstream session. */
  resumed_items: number;
  /** Session time used so far. */
  elapsed_ms: number;
  /** Why, when the client connection stayed (the upstream was replaced under it): "upstream_failover". */
  reason?: string;
  /**
   * The lost upstream owed an answer (asked for, or streaming) that will not come: the client asks
   * again with `response.create` (the client library does). The user's turn itself was carried over.
   */
  response_cut?: boolean;
  /** The cut answer's response id, when it had started. */
  cut_response_id?: string;
}

/**
 * Realtime event names the proxy, the emulator and the clients rely on. Voice Live and preview
 * api-versions use the preview names; Azure OpenAI GA (and /openai/v1) the GA names.
 */
export type Dialect = "preview" | "ga";

export function dialectFor(path: string, apiVersion: string | null | undefined): Dialect {
  if (path === ClientPath.voiceLive) return "preview";
  if (path === ClientPath.openaiV1) return "ga";
  return apiVersion != null && apiVersion.includes("preview") ? "preview" : "ga";
}

export const DialectEvents = {
  preview: {
    audioDelta: "response.audio.delta",
    audioDone: "response.audio.done",
    transcriptDelta: "response.audio_transcript.delta",
    transcriptDone: "response.audio_transcript.done",
    itemCreated: "conversation.item.created",
  },
  ga: {
    audioDelta: "response.output_audio.delta",
    audioDone: "response.output_audio.done",
    transcriptDelta: "response.output_audio_transcript.delta",
    transcriptDone: "response.output_audio_transcript.done",
    itemCreated: "conversation.item.added",
  },
} as const satisfies Record<Dialect, Record<string, string>>;

/** Events whose names are the same in both dialects. */
export const RealtimeEvent = {
  sessionCreated: "session.created",
  sessionUpdate: "session.update",
  sessionUpdated: "session.updated",
  inputAudioAppend: "input_audio_buffer.append",
  inputAudioCommit: "input_audio_buffer.commit",
  inputAudioCommitted: "input_audio_buffer.committed",
  inputAudioClear: "input_audio_buffer.clear",
  itemCreate: "conversation.item.create",
  responseCreate: "response.create",
  responseCancel: "response.cancel",
  responseCreated: "response.created",
  responseDone: "response.done",
  error: "error",
} as const;

/** Response audio in either dialect. */
export const AUDIO_DELTA_EVENTS: ReadonlySet<string> = new Set([DialectEvents.preview.audioDelta, DialectEvents.ga.audioDelta]);
export const TRANSCRIPT_DELTA_EVENTS: ReadonlySet<string> = new Set([DialectEvents.preview.transcriptDelta, DialectEvents.ga.transcriptDelta]);
/** Audio in either direction: most of the bytes, forwarded without a JSON parse. */
export const AUDIO_EVENTS: ReadonlySet<string> = new Set([RealtimeEvent.inputAudioAppend, ...AUDIO_DELTA_EVENTS]);

/** PCM16 mono at 24 kHz, the realtime API's audio format. */
export const SAMPLE_RATE = 24_000;
export const BYTES_PER_SECOND = SAMPLE_RATE * 2;
/** Base64 of PCM16 at 24 kHz: 64,000 characters a second. */
export const BASE64_CHARS_PER_SECOND = (BYTES_PER_SECOND * 4) / 3;
