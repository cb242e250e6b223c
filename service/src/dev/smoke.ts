/**
 * `npm run smoke -- --url wss://HOST[/path?query] --token T`: one scripted turn against a deployment (or
 * the local stack), for the step after `pulumi up` and for CI. Exit code 0 when the turn completed
 * through the proxy with audio, 1 when it did not (the reason on stderr), 2 on bad arguments. Prints the
 * first-audio latency. The token may come from SMOKE_TOKEN instead of the command line (which other
 * users of the machine can read in the process list).
 *
 * A bare host (`wss://voice.example.com`) gets the Voice Live path with `--model` (default gpt-realtime).
 */
import { ClientPath, DEFAULT_API_VERSION } from "../../../contracts/protocol";
import { runTurns, TurnError } from "./turn";

export interface SmokeOptions {
  url: string;
  token?: string;
  timeoutMs: number;
}

export const SMOKE_USAGE = "usage: npm run smoke -- --url wss://HOST[/voice-live/realtime?api-version=...&model=...] [--token T | SMOKE_TOKEN=T] [--model M] [--timeout-ms MS]";

/** Pure: the arguments and environment to options, or an error naming what is wrong. */
export function parseSmokeArgs(argv: string[], env: Record<string, string | undefined>): SmokeOptions {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    if (!["--url", "--token", "--model", "--timeout-ms"].includes(key)) throw new Error(`unknown argument "${key}"`);
    if (i + 1 >= argv.length) throw new Error(`${key} needs a value`);
    args.set(key, argv[++i]);
  }
  const raw = args.get("--url");
  if (!raw) throw new Error("--url is required");
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`--url is not a URL: "${raw}"`);
  }
  if (url.protocol === "https:" || url.protocol === "http:") url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  if (url.protocol !== "wss:" && url.protocol !== "ws:") throw new Error(`--url must be ws://, wss://, http:// or https://, got ${url.protocol}`);
  if (url.pathname === "/" || url.pathname === "") {
    url.pathname = ClientPath.voiceLive;
    url.searchParams.set("api-version", DEFAULT_API_VERSION["voice-live"]);
    url.searchParams.set("model", args.get("--model") ?? "gpt-realtime");
  } else if (args.has("--model")) {
    throw new Error("--model only applies to a bare host URL; the given path already names its model");
  }
  const timeoutMs = Number(args.get("--timeout-ms") ?? 20_000);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1000) throw new Error("--timeout-ms must be a whole number >= 1000");
  return { url: url.toString(), token: args.get("--token") ?? env.SMOKE_TOKEN, timeoutMs };
}

export interface SmokeResult {
  ok: boolean;
  lines: string[];
}

/** One turn; every outcome is a result with the lines to print, never a throw. */
export async function smoke(options: SmokeOptions): Promise<SmokeResult> {
  const lines: string[] = [];
  const target = new URL(options.url);
  lines.push(`smoke: ${target.origin}${target.pathname}${target.search.replace(/([?&](?:token|api-key)=)[^&]*/g, "$1[redacted]")}`);
  if (!options.token) lines.push("smoke: no token (--token or SMOKE_TOKEN): expect a 401 from the proxy");
  try {
    const result = await runTurns({ url: options.url, token: options.token, timeoutMs: options.timeoutMs });
    const turn = result.turns[0];
    if (!result.sessionId) {
      lines.push("FAIL: the turn completed but no proxy.session arrived: this endpoint is not the voice proxy");
      return { ok: false, lines };
    }
    lines.push(`session:      ${result.sessionId}`);
    lines.push(`transcript:   ${turn.transcript}`);
    lines.push(`audio back:   ${turn.audioSeconds.toFixed(2)} s`);
    lines.push(`first audio:  ${turn.firstAudioMs.toFixed(1)} ms after response.create`);
    lines.push("OK");
    return { ok: true, lines };
  } catch (error) {
    const code = error instanceof TurnError && error.closeCode !== undefined ? ` (close ${error.closeCode})` : "";
    lines.push(`FAIL: ${(error as Error).message}${code}`);
    return { ok: false, lines };
  }
}

async function main(): Promise<void> {
  let options: SmokeOptions;
  try {
    options = parseSmokeArgs(process.argv.slice(2), process.env);
  } catch (error) {
    console.error(`smoke: ${(error as Error).message}\n${SMOKE_USAGE}`);
    process.exit(2);
  }
  const result = await smoke(options);
  for (const line of result.lines) (line.startsWith("FAIL") ? console.error : console.log)(line);
  process.exit(result.ok ? 0 : 1);
}

if (require.main === module) void main();
