/**
 * How many new upstream connections one user, and a crowd, can make the proxy open: a local stack (one
 * emulator with no quota of its own, so every connection that reaches it is counted), then for a fixed
 * time either one user looping connect → session.created → close (new sessions, or resuming the last
 * one), or many users doing the same. Prints admissions, refusals by status, and the upstream
 * connections per minute the upstream resource saw. Bounded in time and count; loopback only.
 *
 *   npm run bench:connections -- [--mode user-new|user-resume|crowd] [--seconds 10]
 */
import pino from "pino";
import { connectClient, UpgradeRefused, type RecordingClient } from "../dev/client";
import { startLocalStack } from "../dev/localStack";

interface Result {
  mode: string;
  seconds: number;
  attempts: number;
  admitted: number;
  refused: Record<string, number>;
  upstreamConnections: number;
  upstreamPerMinute: number;
}

export async function measureConnectionRate(mode: "user-new" | "user-resume" | "crowd", seconds: number, maxAttempts = 100_000): Promise<Result> {
  const stack = await startLocalStack({ logger: pino({ level: "silent" }), emulators: [{ firstAudioDelayMs: 20, responseAudioMs: 100, chunkMs: 50 }] });
  const refused: Record<string, number> = {};
  let attempts = 0;
  let admitted = 0;
  let resume: string | undefined;
  const started = Date.now();
  try {
    while (Date.now() - started < seconds * 1000 && attempts < maxAttempts) {
      attempts++;
      const user = mode === "crowd" ? `crowd-${attempts}` : "looper";
      const url = mode === "user-resume" && resume ? `${stack.url()}&resume=${resume}` : stack.url();
      let client: RecordingClient;
      try {
        client = await connectClient(url, { token: await stack.token({ sub: user, exp: "10m" }) });
      } catch (error) {
        const key = error instanceof UpgradeRefused ? `${error.status} ${error.body.error?.code ?? ""}` : "network";
        refused[key] = (refused[key] ?? 0) + 1;
        continue;
      }
      admitted++;
      resume = String((await client.waitFor("proxy.session", 2000).catch(() => ({ resume_token: resume }))).resume_token);
      await client.waitFor("session.created", 2000).catch(() => undefined);
      client.ws.close();
      await client.closed;
    }
    const elapsed = (Date.now() - started) / 1000;
    const upstreamConnections = stack.emulators[0].stats().connections;
    return { mode, seconds: elapsed, attempts, admitted, refused, upstreamConnections, upstreamPerMinute: Math.round((upstreamConnections / elapsed) * 60) }; // extrapolated from the run
  } finally {
    await stack.stop();
  }
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const arg = (name: string, fallback: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
  };
  const mode = arg("mode", "user-new");
  if (!["user-new", "user-resume", "crowd"].includes(mode)) {
    console.error(`--mode must be user-new, user-resume or crowd, got "${mode}"`);
    process.exit(2);
  }
  const seconds = Number(arg("seconds", "10"));
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 300) {
    console.error(`--seconds must be a number in (0, 300], got "${arg("seconds", "")}"`);
    process.exit(2);
  }
  void measureConnectionRate(mode as "user-new", seconds).then((r) => console.log(JSON.stringify(r)));
}
