/**
 * Metering a live session with the catalogs the estimate uses: the service hands each `response.done`
 * usage object (and each input transcription's usage) to these functions as the upstream sent it.
 *
 * The wire shape (OpenAI Realtime reference, `response.done`; Azure OpenAI the same; Voice Live without
 * `cached_tokens_details`, see below):
 *   { input_tokens, output_tokens,
 *     input_token_details: { text_tokens, audio_tokens, cached_tokens, cached_tokens_details: { text_tokens, audio_tokens } },
 *     output_token_details: { text_tokens, audio_tokens } }
 * input_tokens = text + audio, and the cached tokens are part of them (openai/openai-dotnet#1045,
 * 2026-03-23: input 1,459 = 1,349 text + 110 audio; cached 1,408 = 1,344 text + 64 audio). So the
 * uncached input is each kind's count less its cached count.
 *
 * The upstream is trusted for money but not for shape: any field may be missing, negative, a string,
 * NaN or absurd. Nothing here throws or returns NaN. A count that cannot be read is 0; counts are
 * capped at MAX_TOKENS_PER_FIELD; where the parts disagree with the totals the dearer reading is
 * billed (unsplit input as audio, unsplit cached tokens as text, unsplit output as audio), and the
 * result says `malformed` so the service can count such messages.
 */
import { TOKEN_KINDS, TRANSCRIPTION_TOKEN_KINDS, type TokenKind, type TranscriptionTokenKind } from "../contracts/telemetry";
import type { Catalog } from "./catalog";

// The `kind` values of voice.tokens are the contract's: the service emits them, the alerts read them.
export { TOKEN_KINDS, TRANSCRIPTION_TOKEN_KINDS, type TokenKind, type TranscriptionTokenKind };

/** No response reads or writes this many tokens of one kind (input limits are ~28k-128k); larger is malformed. */
export const MAX_TOKENS_PER_FIELD = 10_000_000;

export interface MeteredResponse {
  /** USD for this response. */
  usd: number;
  /** Uncached input, cached input and output, by kind. */
  tokens: Record<TokenKind, number>;
  /** The usage object was missing, inconsistent or out of range somewhere (the figures are the dearer reading). */
  malformed: boolean;
}

export interface MeteredTranscription {
  usd: number;
  tokens: Record<TranscriptionTokenKind, number>;
  /** Seconds of audio, for duration-billed transcription. */
  seconds: number;
  /** The catalog prices transcription (false: usd is 0 and only the counts are recorded). */
  priced: boolean;
  malformed: boolean;
}

const PER_MILLION = 1e6;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined);

/** A token count from the wire: a finite non-negative number, capped; anything else is absent. */
function count(v: unknown, flag: { malformed: boolean }): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
    flag.malformed = true;
    return undefined;
  }
  if (v > MAX_TOKENS_PER_FIELD) {
    flag.malformed = true;
    return MAX_TOKENS_PER_FIELD;
  }
  return v;
}

/** Splits a total into two parts the message may give; whatever the parts leave unexplained goes to `rest`. */
function split(total: number | undefined, a: number | undefined, b: number | undefined, rest: "a" | "b", flag: { malformed: boolean }): [number, number] {
  let x = a ?? 0;
  let y = b ?? 0;
  if (total !== undefined) {
    const unexplained = total - x - y;
    if (a === undefined && b === undefined && total > 0) flag.malformed = true;
    else if (Math.abs(unexplained) > 0) flag.malformed = true;
    if (unexplained > 0) {
      if (rest === "a") x += unexplained;
      else y += unexplained;
    }
  }
  return [x, y];
}

export function emptyTokens(): Record<TokenKind, number> {
  return { input_audio: 0, input_text: 0, cached_audio: 0, cached_text: 0, output_audio: 0, output_text: 0 };
}

/** Prices one `response.done` usage object. */
export function meterResponseUsage(catalog: Catalog, usage: unknown): MeteredResponse {
  const flag = { malformed: false };
  const u = obj(usage);
  if (!u) return { usd: 0, tokens: emptyTokens(), malformed: usage !== undefined && usage !== null };
  const inDetails = obj(u.input_token_details);
  const cachedDetails = obj(inDetails?.cached_tokens_details);
  const outDetails = obj(u.output_token_details);
  if ((u.input_token_details !== undefined && !inDetails) || (u.output_token_details !== undefined && !outDetails)) flag.malformed = true;

  // Input by kind; what the kinds do not explain is billed as audio (the dearer input).
  const [inAudio, inText] = split(count(u.input_tokens, flag), count(inDetails?.audio_tokens, flag), count(inDetails?.text_tokens, flag), "a", flag);
  // Cached by kind, never more than the input of that kind. Voice Live's documented usage has no
  // cached_tokens_details at all (its TokenDetails is { cached_tokens, text_tokens, audio_tokens }: Voice
  // Live API reference 2026-01-01-preview, MicrosoftDocs/azure-ai-docs, ms.date 2026-01-30, read
  // 2026-12-03): that is not malformed. The cache serves a prefix, and a prefix opens with the
  // instructions (text): cached tokens count as text up to the input's text, the rest as audio
  // (cost/conversation.ts splits the model's the same way). A details object that is present but
  // does not explain the total is malformed, as before.
  const cachedTotal = count(inDetails?.cached_tokens, flag);
  let [cachedText, cachedAudio] = inDetails?.cached_tokens_details === undefined && cachedTotal !== undefined
    ? [Math.min(cachedTotal, inText), Math.max(0, cachedTotal - inText)]
    : split(cachedTotal, count(cachedDetails?.text_tokens, flag), count(cachedDetails?.audio_tokens, flag), "a", flag);
  if (cachedText > inText) {
    flag.malformed = true;
    cachedAudio += cachedText - inText;
    cachedText = inText;
  }
  if (cachedAudio > inAudio) {
    flag.malformed = true;
    cachedAudio = inAudio;
  }
  const [outAudio, outText] = split(count(u.output_tokens, flag), count(outDetails?.audio_tokens, flag), count(outDetails?.text_tokens, flag), "a", flag);

  const tokens: Record<TokenKind, number> = {
    input_audio: inAudio - cachedAudio,
    input_text: inText - cachedText,
    cached_audio: cachedAudio,
    cached_text: cachedText,
    output_audio: outAudio,
    output_text: outText,
  };
  const p = catalog.prices;
  const usd =
    (tokens.input_audio * p.audioInput.value +
      tokens.input_text * p.textInput.value +
      tokens.cached_audio * p.audioCachedInput.value +
      tokens.cached_text * p.textCachedInput.value +
      tokens.output_audio * p.audioOutput.value +
      tokens.output_text * p.textOutput.value) /
    PER_MILLION;
  return { usd, tokens, malformed: flag.malformed };
}

/**
 * Prices one input transcription's usage (`conversation.item.input_audio_transcription.completed`):
 * `{ type: "tokens", input_tokens, output_tokens, input_token_details: { text_tokens, audio_tokens } }`
 * or `{ type: "duration", seconds }`. Token usage is priced at the catalog's transcription rates;
 * duration usage per audio minute, or as the catalog's audio tokens a minute when it has no minute price.
 */
export function meterTranscriptionUsage(catalog: Catalog, usage: unknown): MeteredTranscription {
  const flag = { malformed: false };
  const zero = { transcription_audio: 0, transcription_text_in: 0, transcription_text_out: 0 };
  const t = catalog.transcription;
  const u = obj(usage);
  if (!u) return { usd: 0, tokens: zero, seconds: 0, priced: !!t, malformed: usage !== undefined && usage !== null };
  if (u.type === "duration" || (u.type === undefined && u.seconds !== undefined)) {
    const seconds = count(u.seconds, flag) ?? 0;
    if (u.seconds === undefined) flag.malformed = true;
    const minutes = seconds / 60;
    const usd = !t ? 0 : t.perAudioMinute ? minutes * t.perAudioMinute.value : (minutes * t.audioTokensPerMinute * t.audioInput.value) / PER_MILLION;
    return { usd, tokens: { ...zero, transcription_audio: t ? minutes * t.audioTokensPerMinute : 0 }, seconds, priced: !!t, malformed: flag.malformed };
  }
  if (u.type !== undefined && u.type !== "tokens") flag.malformed = true;
  const details = obj(u.input_token_details);
  const [audio, textIn] = split(count(u.input_tokens, flag), count(details?.audio_tokens, flag), count(details?.text_tokens, flag), "a", flag);
  const textOut = count(u.output_tokens, flag) ?? 0;
  const tokens = { transcription_audio: audio, transcription_text_in: textIn, transcription_text_out: textOut };
  const usd = !t ? 0 : (audio * t.audioInput.value + textIn * (t.textInput?.value ?? 0) + textOut * (t.textOutput?.value ?? 0)) / PER_MILLION;
  return { usd, tokens, seconds: 0, priced: !!t, malformed: flag.malformed };
}

/** A session's running totals: add each metered response or transcription. */
export interface SessionMeterTotals {
  usd: number;
  responses: number;
  transcriptions: number;
  malformed: number;
  tokens: Record<TokenKind | TranscriptionTokenKind, number>;
}

export function emptyTotals(): SessionMeterTotals {
  return { usd: 0, responses: 0, transcriptions: 0, malformed: 0, tokens: { ...emptyTokens(), transcription_audio: 0, transcription_text_in: 0, transcription_text_out: 0 } };
}

/** Returns new totals with `metered` added (pure: the service keeps one per session). */
export function addToTotals(totals: SessionMeterTotals, metered: MeteredResponse | MeteredTranscription): SessionMeterTotals {
  const tokens = { ...totals.tokens };
  for (const [k, v] of Object.entries(metered.tokens)) tokens[k as keyof typeof tokens] += v;
  const isTranscription = "priced" in metered;
  return {
    usd: totals.usd + metered.usd,
    responses: totals.responses + (isTranscription ? 0 : 1),
    transcriptions: totals.transcriptions + (isTranscription ? 1 : 0),
    malformed: totals.malformed + (metered.malformed ? 1 : 0),
    tokens,
  };
}
