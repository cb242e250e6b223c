/**
 * `npm run bench -- [--sessions N] [--turns T] [--audio-ms MS]`: the proxy (its own process, as in
 * production) in front of the emulator, on loopback. Measures first-audio latency direct to the
 * emulator and through the proxy, then N concurrent sessions through the proxy: latency percentiles,
 * failures, and the proxy's CPU time and resident memory. Bounded: everything ends within a minute or two.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Env } from "../../../contracts";
import { LOCAL_VOICE_LIVE_PATH, localEnv, localUpstreams, mintDevToken } from "../dev/localStack";
import { startEmulator } from "../emulator";
import { percentile, runTurns } from "../dev/turn";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`bench: ${name} needs a positive whole number`);
    process.exit(2);
  }
  return n;
}

/** Resident memory (KiB) and CPU seconds of a process, from /proc (Linux). */
function usage(pid: number): { rssMiB: number; cpuSeconds: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  const ticks = Number(stat[11]) + Number(stat[12]); // utime + stime
  return { rssMiB: rssKiB / 1024, cpuSeconds: ticks / 100 };
}

const fmt = (values: number[]) => values.length
  ? `min ${Math.min(...values).toFixed(1)}  p50 ${percentile(values, 50).toFixed(1)}  p95 ${percentile(values, 95).toFixed(1)}  max ${Math.max(...values).toFixed(1)} ms (n=${values.length})`
  : "no samples";

async function main(): Promise<void> {
  const sessions = arg("--sessions", 200);
  const turns = arg("--turns", 20);
  const audioMs = arg("--audio-ms", 1000);
  const emulatorKey = randomBytes(16).toString("hex");
  const emulator = await startEmulator({ apiKey: emulatorKey, firstAudioDelayMs: 150, responseAudioMs: 2000, chunkMs: 100 });
  const secret = randomBytes(32).toString("hex");
  const port = 20000 + Math.floor(Math.random() * 20000);
  const proxy = spawn(process.execPath, [join(__dirname, "..", "server", "main.js")], {
    env: {
      ...process.env,
      ...localEnv({ upstreams: localUpstreams([emulator.url]), upstreamKey: emulatorKey, secret, port: String(port) }),
      [Env.maxSessionsPerInstance]: String(sessions + 10), [Env.maxSessionsPerUser]: String(sessions + 10),
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  try {
    for (let i = 0; ; i++) {
      if (i > 100) throw new Error("the proxy did not start");
      try {
        if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) break;
      } catch { /* not yet */ }
      await new Promise((r) => setTimeout(r, 50));
    }
    const token = await mintDevToken(secret, { sub: "bench", exp: "10m" });
    const path = LOCAL_VOICE_LIVE_PATH;

    const direct = await runTurns({ url: `ws://127.0.0.1:${emulator.port}${path}`, token: emulatorKey, repeat: turns, audioMs });
    const proxied = await runTurns({ url: `ws://127.0.0.1:${port}${path}`, token, repeat: turns, audioMs });
    const idle = usage(proxy.pid!);

    const started = performance.now();
    const results = await Promise.allSettled(Array.from({ length: sessions }, () => runTurns({ url: `ws://127.0.0.1:${port}${path}`, token, audioMs, timeoutMs: 60_000 })));
    const elapsed = (performance.now() - started) / 1000;
    const loaded = usage(proxy.pid!);
    const ok = results.flatMap((r) => (r.status === "fulfilled" ? r.value.turns.map((t) => t.firstAudioMs) : []));
    const failures = results.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason?.message ?? r));

    console.log(`first audio after response.create (emulator thinks 150 ms), ${turns} sequential turns:`);
    console.log(`  direct to emulator: ${fmt(direct.turns.map((t) => t.firstAudioMs))}`);
    console.log(`  through the proxy:  ${fmt(proxied.turns.map((t) => t.firstAudioMs))}`);
    console.log(`${sessions} concurrent sessions through the proxy, one turn each (${audioMs} ms audio in, 2 s out):`);
    console.log(`  first audio: ${fmt(ok)}`);
    console.log(`  failed: ${failures.length}${failures.length ? ` (${[...new Set(failures)].slice(0, 3).join("; ")})` : ""}; wall time ${elapsed.toFixed(1)} s`);
    console.log(`  proxy process: RSS ${idle.rssMiB.toFixed(0)} MiB idle -> ${loaded.rssMiB.toFixed(0)} MiB after the run; CPU ${(loaded.cpuSeconds - idle.cpuSeconds).toFixed(2)} s for the concurrent run`);
  } finally {
    proxy.kill("SIGTERM");
    await emulator.close();
  }
}

void main().catch((error: Error) => {
  console.error(`bench: ${error.message}`);
  process.exit(1);
});
