/**
 * The cost of one interview. Two methods, chosen by the catalog:
 * - linear (the seed's): audio tokens per minute of interview in and out, plus a flat text allowance
 *   billed as text input. Given the seed's catalog it gives exactly the seed's own per-interview figure.
 * - re-sent context (the realtime API as billed): the interview is a sequence of turns; every response
 *   reads the whole conversation so far (instructions, every earlier utterance, every earlier reply's
 *   audio and transcript, the current utterance) as input, up to the model's input limit. Past the
 *   limit the oldest turns are dropped as the truncation mode says. The part of the input that the
 *   previous response read, unchanged, is a prefix the prompt cache may serve (at the cache hit rate,
 *   in the cache's increments); the rest is billed at the full input rate. Each reply is billed as
 *   output once; it enters the next response's input uncached (conservative: the cache is of prompts).
 * Input transcription, when the catalog prices it, is billed on the candidate's audio once.
 */
import type { Catalog } from "./catalog";
import { DEFAULT_TRUNCATION, EXPECTED_INTERVIEW, INTERVIEW_RANGES, type Truncation } from "./interview";

export interface SessionParams {
  minutes: number;
  /** Share of the interview the candidate speaks. */
  userSpeakingShare: number;
  /** Share of the interview the model speaks. */
  modelSpeakingShare: number;
  /** Question-answer exchanges a minute: one response each. */
  turnsPerMinute: number;
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

export function priceTokens(catalog: Catalog, tokens: Tokens): Omit<SessionCost, "tokens" | "responses" | "truncatedResponses" | "peakInputTokens" | "method"> {
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
  for (const key of ["userSpeakingShare", "modelSpeakingShare", "cacheHitRate"] as const) {
    if (!(params[key] >= 0 && params[key] <= 1)) throw new RangeError(`${key} must be in [0, 1], got ${params[key]}`);
  }
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
}

function linearTokens(catalog: Catalog, p: SessionParams): Run {
  const m = catalog.model;
  const audioInput = p.minutes * p.userSpeakingShare * m.audioInputTokensPerMinute;
  const textInput = (p.minutes / 60) * m.textInputTokensPerHour;
  return {
    responses: Math.round(p.minutes * p.turnsPerMinute),
    truncatedResponses: 0,
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
  const cache = catalog.model.cache;
  if (!cache) return prefix;
  if (prefix < cache.minimumTokens || prefix <= 0) return 0;
  return cache.minimumTokens + Math.floor((prefix - cache.minimumTokens) / cache.incrementTokens) * cache.incrementTokens;
}

/**
 * Response k reads: instructions + the retained earlier turns (user audio, reply audio, reply text) +
 * the user audio of turn k. Turns are dropped whole, oldest first; the instructions always stay.
 */
function resentContextTokens(catalog: Catalog, p: SessionParams): Run {
  const m = catalog.model;
  const responses = Math.max(1, Math.round(p.minutes * p.turnsPerMinute));
  const turnMinutes = p.minutes / responses;
  const userAudio = turnMinutes * p.userSpeakingShare * m.audioInputTokensPerMinute;
  const replyAudio = turnMinutes * p.modelSpeakingShare * m.audioOutputTokensPerMinute;
  const replyText = turnMinutes * p.modelSpeakingShare * m.outputTextTokensPerSpokenMinute;
  const turn = userAudio + replyAudio + replyText;
  const instructions = p.instructionsTokens;
  // Room after the instructions ("post-instruction" tokens are what truncation counts).
  const room = Math.max(0, m.inputLimitTokens - instructions);
  const target = p.truncation.type === "auto" ? room : p.truncation.retentionRatio * room;

  const t: Tokens = { ...ZERO_TOKENS };
  let retained = 0;
  let previous: { audio: number; text: number } | undefined;
  let truncatedResponses = 0;
  let peakInputTokens = 0;
  for (let k = 1; k <= responses; k++) {
    let truncated = false;
    if (retained * turn + userAudio > room + 1e-9) {
      const keep = turn > 0 ? Math.max(0, Math.floor((target - userAudio + 1e-9) / turn)) : retained;
      retained = Math.min(retained, keep);
      truncated = true;
      truncatedResponses++;
    }
    const input = { audio: retained * (userAudio + replyAudio) + userAudio, text: instructions + retained * replyText };
    peakInputTokens = Math.max(peakInputTokens, input.audio + input.text);
    // The reusable prefix: everything the previous response read, unless history was just cut (then
    // the conversation starts at another item and only the instructions still match).
    const prefix = !previous ? { audio: 0, text: 0 } : truncated ? { audio: 0, text: instructions } : previous;
    const servable = cacheableTokens(catalog, prefix.audio + prefix.text);
    // The prefix opens with the instructions (text) and ends with the previous utterance (audio): what
    // the cache's increments leave out is audio.
    const cachedText = p.cacheHitRate * Math.min(prefix.text, servable);
    const cachedAudio = p.cacheHitRate * Math.max(0, servable - prefix.text);
    t.audioCachedInput += cachedAudio;
    t.textCachedInput += cachedText;
    t.audioInput += input.audio - cachedAudio;
    t.textInput += input.text - cachedText;
    t.audioOutput += replyAudio;
    t.textOutput += replyText;
    previous = input;
    retained++;
  }
  const transcription = catalog.transcription;
  if (p.transcription && transcription) {
    const spokenMinutes = p.minutes * p.userSpeakingShare;
    t.transcriptionAudio = spokenMinutes * transcription.audioTokensPerMinute;
    t.transcriptionText = spokenMinutes * transcription.textTokensPerSpokenMinute;
  }
  return { tokens: t, responses, truncatedResponses, peakInputTokens };
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
    peakInputTokens: Math.max(0, ...parts.map((p) => p.cost.peakInputTokens)),
    method: methods.size === 1 ? parts[0].cost.method : "resent-context",
  };
}

/** All tokens a session read or wrote (cached input included), transcription excluded. */
export function modelTokens(tokens: Tokens): number {
  return tokens.audioInput + tokens.audioCachedInput + tokens.audioOutput + tokens.textInput + tokens.textCachedInput + tokens.textOutput;
}
