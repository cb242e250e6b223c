/**
 * The cost of one interview. Two methods, chosen by the catalog:
 * - linear (the seed's): audio tokens per minute of interview in and out, plus a flat text allowance
 *   billed as text input. Given the seed's catalog it gives exactly the seed's own per-interview figure.
 * - re-sent context (the realtime API as billed, and as the service runs it): the interview is a
 *   sequence of responses priced by conversation.ts: every response reads the conversation so far on
 *   its upstream connection; each rotation (every rotateMinutes) opens a new connection primed with the
 *   conversation as text (uncached); the prompt cache serves the unchanged prefix in its steps;
 *   truncation at the catalog's truncation point; interrupted replies billed in full.
 * Input transcription, when the catalog prices it, is billed on the candidate's audio once.
 */
import type { Catalog } from "./catalog";
import { runConversation, servableTokens, type ConversationRules, type ConversationRun, type ConversationTurn } from "./conversation";
import { DEFAULT_TRUNCATION, EXPECTED_INTERVIEW, INTERVIEW_RANGES, type Truncation } from "./interview";

export interface SessionParams {
  minutes: number;
  /** Share of the interview the candidate speaks. */
  userSpeakingShare: number;
  /** Share of the interview the model speaks. */
  modelSpeakingShare: number;
  /** Responses a minute: one per exchange, plus one per extra server VAD split or barge-in. */
  turnsPerMinute: number;
  /** Share of responses the candidate interrupts (billed in full: the proxy never truncates the item). */
  interruptedShare: number;
  /** Part of an interrupted reply nobody hears. */
  unheardShareWhenInterrupted: number;
  /** The service's upstream rotation interval (UPSTREAM_ROTATE_MINUTES); 0 or undefined: never. */
  rotateMinutes?: number;
  /** System prompt tokens (text), part of every response's input. */
  instructionsTokens: number;
  /** Share of each response's reusable prefix the prompt cache serves (0-1). */
  cacheHitRate: number;
  truncation: Truncation;
  /** Whether the candidate's audio is transcribed (input_audio_transcription). */
  transcription: boolean;
}

export interface Tokens {
  audioInput: number;
  audioCachedInput: number;
  audioOutput: number;
  textInput: number;
  textCachedInput: number;
  textOutput: number;
  transcriptionAudio: number;
  transcriptionText: number;
}

export interface SessionCost {
  /** USD per interview: uncached audio input, audio output, text (input + output, uncached), cached input of both kinds, transcription. */
  audioInput: number;
  audioOutput: number;
  text: number;
  cached: number;
  transcription: number;
  total: number;
  tokens: Tokens;
  responses: number;
  /** Responses whose input was truncated (each one re-reads its history uncached). */
  truncatedResponses: number;
  /** The most input one response read. */
  peakInputTokens: number;
  /** Responses that opened a new upstream connection (rotation): their history was re-sent as uncached text. */
  primedResponses: number;
  /** Text tokens the rotations re-sent. */
  primedTextTokens: number;
  method: "linear" | "resent-context";
}

const PER_MILLION = 1e6;

export const ZERO_TOKENS: Tokens = Object.freeze({ audioInput: 0, audioCachedInput: 0, audioOutput: 0, textInput: 0, textCachedInput: 0, textOutput: 0, transcriptionAudio: 0, transcriptionText: 0 });

export function sessionParams(catalog: Catalog, minutes: number, overrides: Partial<SessionParams> = {}): SessionParams {
  return {
    ...EXPECTED_INTERVIEW,
    cacheHitRate: INTERVIEW_RANGES.cacheHitRate.expected,
    truncation: DEFAULT_TRUNCATION,
    transcription: true,
    ...catalog.sessionDefaults,
    minutes,
    ...overrides,
  };
}

export function priceTokens(catalog: Catalog, tokens: Tokens): Omit<SessionCost, "tokens" | "responses" | "truncatedResponses" | "peakInputTokens" | "primedResponses" | "primedTextTokens" | "method"> {
  const p = catalog.prices;
  const audioInput = (tokens.audioInput * p.audioInput.value) / PER_MILLION;
  const audioOutput = (tokens.audioOutput * p.audioOutput.value) / PER_MILLION;
  const text = (tokens.textInput * p.textInput.value + tokens.textOutput * p.textOutput.value) / PER_MILLION;
  const cached = (tokens.audioCachedInput * p.audioCachedInput.value + tokens.textCachedInput * p.textCachedInput.value) / PER_MILLION;
  const t = catalog.transcription;
  const transcription = t ? (tokens.transcriptionAudio * t.audioInput.value + tokens.transcriptionText * (t.textOutput?.value ?? 0)) / PER_MILLION : 0;
  return { audioInput, audioOutput, text, cached, transcription, total: audioInput + audioOutput + text + cached + transcription };
}

function check(catalog: Catalog, params: SessionParams): void {
  if (!(params.minutes > 0 && Number.isFinite(params.minutes))) throw new RangeError(`minutes must be positive, got ${params.minutes}`);
  if (!(params.turnsPerMinute > 0)) throw new RangeError(`turnsPerMinute must be positive, got ${params.turnsPerMinute}`);
  for (const key of ["userSpeakingShare", "modelSpeakingShare", "cacheHitRate", "interruptedShare", "unheardShareWhenInterrupted"] as const) {
    if (!(params[key] >= 0 && params[key] <= 1)) throw new RangeError(`${key} must be in [0, 1], got ${params[key]}`);
  }
  if (!(params.interruptedShare * params.unheardShareWhenInterrupted < 1)) throw new RangeError("interruptedShare x unheardShareWhenInterrupted must be below 1 (some of every reply is heard)");
  if (params.rotateMinutes !== undefined && !(params.rotateMinutes >= 0)) throw new RangeError(`rotateMinutes must be >= 0, got ${params.rotateMinutes}`);
  // The seed's linear sheet bills both directions for the whole interview (shares 1 and 1); a real
  // conversation cannot have both speaking more than all of it.
  if (catalog.model.resendsContext && params.userSpeakingShare + params.modelSpeakingShare > 1 + 1e-9) throw new RangeError("the speaking shares add up to more than the interview");
  if (params.truncation.type === "retention_ratio" && !(params.truncation.retentionRatio > 0 && params.truncation.retentionRatio <= 1)) {
    throw new RangeError(`retentionRatio must be in (0, 1], got ${params.truncation.retentionRatio}`);
  }
}

export function sessionCost(catalog: Catalog, params: SessionParams): SessionCost {
  check(catalog, params);
  const run = catalog.model.resendsContext ? resentContextTokens(catalog, params) : linearTokens(catalog, params);
  return { ...priceTokens(catalog, run.tokens), ...run, method: catalog.model.resendsContext ? "resent-context" : "linear" };
}

interface Run {
  tokens: Tokens;
  responses: number;
  truncatedResponses: number;
  peakInputTokens: number;
  primedResponses: number;
  primedTextTokens: number;
}

function linearTokens(catalog: Catalog, p: SessionParams): Run {
  const m = catalog.model;
  const audioInput = p.minutes * p.userSpeakingShare * m.audioInputTokensPerMinute;
  const textInput = (p.minutes / 60) * m.textInputTokensPerHour;
  return {
    responses: Math.round(p.minutes * p.turnsPerMinute),
    truncatedResponses: 0,
    primedResponses: 0,
    primedTextTokens: 0,
    peakInputTokens: audioInput + textInput,
    tokens: {
      ...ZERO_TOKENS,
      audioInput,
      audioOutput: p.minutes * p.modelSpeakingShare * m.audioOutputTokensPerMinute,
      textInput,
      textOutput: p.minutes * p.modelSpeakingShare * m.outputTextTokensPerSpokenMinute,
    },
  };
}

/** The part of a prefix the cache can serve: nothing below the minimum, then whole increments. */
export function cacheableTokens(catalog: Catalog, prefix: number): number {
  return servableTokens(prefix, catalog.model.cache);
}

/**
 * The proxy's conversation bound, in tokens: service/src/session/conversation.ts keeps 80,000
 * characters of text (DEFAULT_CONVERSATION_LIMITS.maxChars) at ~4 characters a token (a test holds
 * the two together).
 */
export const PRIMED_TEXT_LIMIT_TOKENS = 20_000;

/** The context size past which the model truncates: the catalog's truncation point, else its input limit. */
export function truncationTokensOf(catalog: Catalog): number {
  return catalog.model.truncationTokens?.value ?? catalog.model.inputLimitTokens;
}

/**
 * The interview as the engine (conversation.ts) takes it: equal responses, each answering an equal
 * share of the candidate's speech and generating an equal share of the model's; generated audio is
 * what is heard divided by (1 - interrupted share x unheard part), since an interrupted reply is
 * billed (and kept) in full. New connections at every rotation interval.
 */
export function interviewTurns(catalog: Catalog, p: SessionParams): { turns: ConversationTurn[]; newConnectionAt: number[] } {
  const m = catalog.model;
  const responses = Math.max(1, Math.round(p.minutes * p.turnsPerMinute));
  const turnMinutes = p.minutes / responses;
  const userMinutes = turnMinutes * p.userSpeakingShare;
  const generatedModelMinutes = (turnMinutes * p.modelSpeakingShare) / (1 - p.interruptedShare * p.unheardShareWhenInterrupted);
  const turn: ConversationTurn = {
    userAudio: userMinutes * m.audioInputTokensPerMinute,
    userTranscript: p.transcription ? userMinutes * m.outputTextTokensPerSpokenMinute : 0,
    replyAudio: generatedModelMinutes * m.audioOutputTokensPerMinute,
    replyText: generatedModelMinutes * m.outputTextTokensPerSpokenMinute,
  };
  const newConnectionAt: number[] = [];
  if (p.rotateMinutes && p.rotateMinutes > 0) {
    for (let j = 1; ; j++) {
      const k = Math.round((j * p.rotateMinutes) / turnMinutes);
      if (k >= responses) break;
      if (k > 0 && !newConnectionAt.includes(k)) newConnectionAt.push(k);
    }
  }
  return { turns: Array.from({ length: responses }, () => ({ ...turn })), newConnectionAt };
}

/** The rules the engine applies for this catalog and session. */
export function conversationRules(catalog: Catalog, p: Pick<SessionParams, "instructionsTokens" | "truncation" | "cacheHitRate">): ConversationRules {
  return {
    instructionsTokens: p.instructionsTokens, truncationTokens: truncationTokensOf(catalog), truncation: p.truncation, cacheHitRate: p.cacheHitRate,
    cache: catalog.model.cache, primedTextLimitTokens: PRIMED_TEXT_LIMIT_TOKENS,
  };
}

/** Tokens of a run plus the transcription of the candidate's audio. */
export function runTokens(catalog: Catalog, run: ConversationRun, transcribedUserAudioTokens: number): Tokens {
  const t: Tokens = { ...ZERO_TOKENS, ...run.tokens };
  const transcription = catalog.transcription;
  if (transcription && transcribedUserAudioTokens > 0) {
    // The candidate's audio, counted at the transcription model's own rate.
    const minutes = transcribedUserAudioTokens / catalog.model.audioInputTokensPerMinute;
    t.transcriptionAudio = minutes * transcription.audioTokensPerMinute;
    t.transcriptionText = minutes * transcription.textTokensPerSpokenMinute;
  }
  return t;
}

function resentContextTokens(catalog: Catalog, p: SessionParams): Run {
  const { turns, newConnectionAt } = interviewTurns(catalog, p);
  const run = runConversation(turns, conversationRules(catalog, p), newConnectionAt);
  const userAudio = p.transcription ? turns.reduce((s, x) => s + x.userAudio, 0) : 0;
  return { tokens: runTokens(catalog, run, userAudio), responses: run.responses, truncatedResponses: run.truncatedResponses, peakInputTokens: run.peakInputTokens, primedResponses: run.primedResponses, primedTextTokens: run.primedTextTokens };
}

/** A share-weighted sum of session costs (a mix of interview lengths or of catalogs). */
export function weightedCost(parts: Array<{ share: number; cost: SessionCost }>): SessionCost {
  const sum = (f: (c: SessionCost) => number) => parts.reduce((acc, p) => acc + p.share * f(p.cost), 0);
  const tokens = Object.fromEntries(Object.keys(ZERO_TOKENS).map((k) => [k, sum((c) => c.tokens[k as keyof Tokens])])) as unknown as Tokens;
  const methods = new Set(parts.map((p) => p.cost.method));
  return {
    audioInput: sum((c) => c.audioInput),
    audioOutput: sum((c) => c.audioOutput),
    text: sum((c) => c.text),
    cached: sum((c) => c.cached),
    transcription: sum((c) => c.transcription),
    total: sum((c) => c.total),
    tokens,
    responses: sum((c) => c.responses),
    truncatedResponses: sum((c) => c.truncatedResponses),
    primedResponses: sum((c) => c.primedResponses),
    primedTextTokens: sum((c) => c.primedTextTokens),
    peakInputTokens: Math.max(0, ...parts.map((p) => p.cost.peakInputTokens)),
    method: methods.size === 1 ? parts[0].cost.method : "resent-context",
  };
}

/** All tokens a session read or wrote (cached input included), transcription excluded. */
export function modelTokens(tokens: Tokens): number {
  return tokens.audioInput + tokens.audioCachedInput + tokens.audioOutput + tokens.textInput + tokens.textCachedInput + tokens.textOutput;
}
