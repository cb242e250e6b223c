/**
 * `npm run bench -- [options]` (see args.ts): what one replica carries. For each frame size and number
 * of open sessions, the same real-time load (24 kHz PCM16 both ways, stamped frames) runs against each
 * hop in turn: direct to the upstream peer, the repository's nginx config, and the voice proxy as
 * production starts it. The hop runs alone on one core (taskset); the load generator (this process)
 * and the upstream peer (a child process) share the other core(s). Every row says when the generator,
 * not the hop, was the limit. Prints a Markdown table and, with --json, writes every figure.
 *
 * `npm run bench` starts this process with `--single-threaded-gc` (passed on to the peer): with several
 * V8 GC threads on the one core the load processes share, their event loops lag 3-7x more (measured:
 * send lag p99 10 ms instead of 3 ms at 700 sessions), and the generator, not the hop, would set the tail.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, setPriority, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ArgsError, commandLine, parseBenchArgs, USAGE, type BenchOptions } from "./args";
import { capacityAtTarget, type MeasuredCapacity } from "./capacity";
import { TimeBudget } from "./budget";
import { killStrays, makeLoopbackCertificate, startHop, type HopName } from "./hops";
import { PEER_KEY_ENV, PEER_TLS_CERT_ENV, PEER_TLS_KEY_ENV, type FromPeer, type PeerReport, type ToPeer } from "./ipc";
import { LoadGenerator } from "./loadGenerator";
import { busyFraction, clockTicksPerSecond, readCoreTimes, readProcessStat, sampleProcesses } from "./procStat";
import { addBaselines, formatTable, summarise, type BenchRow, type PhaseMeasurements } from "./report";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Placement {
  pinned: boolean;
  /** `taskset -c N` prefixes, or [] without pinning. */
  hopPin: string[];
  generatorPin: string[];
  hopCore?: number;
  generatorCores: number[];
  note: string;
}

function tasksetPath(): string | undefined {
  return ["/usr/bin/taskset", "/bin/taskset", "/usr/local/bin/taskset"].find((p) => existsSync(p));
}

/** The hop alone on its core, everything else (this process, its threads, the peer) on the others. */
/** Cores the machine offers (read before this process pins itself: availableParallelism follows the affinity mask). */
const MACHINE_CORES = availableParallelism();

function place(options: BenchOptions): Placement {
  const cores = MACHINE_CORES;
  const taskset = tasksetPath();
  const nice = options.nice ? `; nice ${options.nice}` : "";
  if (!options.pin) return { pinned: false, hopPin: [], generatorPin: [], generatorCores: [], note: `not pinned (--no-pin)${nice}` };
  if (!taskset) return { pinned: false, hopPin: [], generatorPin: [], generatorCores: [], note: "not pinned: taskset not found (util-linux)" };
  if (cores < 2) return { pinned: false, hopPin: [], generatorPin: [], generatorCores: [], note: "not pinned: one core only" };
  if (options.hopCore >= cores) throw new ArgsError(`--hop-core ${options.hopCore}: this machine has cores 0-${cores - 1}`);
  const generatorCores = Array.from({ length: cores }, (_, i) => i).filter((c) => c !== options.hopCore);
  const list = generatorCores.join(",");
  // -a: every thread of this process (V8's and libuv's too); children inherit the mask.
  spawnSyncChecked(taskset, ["-a", "-cp", list, String(process.pid)]);
  return {
    pinned: true,
    hopPin: [taskset, "-c", String(options.hopCore)],
    generatorPin: [taskset, "-c", list],
    hopCore: options.hopCore,
    generatorCores,
    note: `hop on core ${options.hopCore}; load generator and upstream peer on core(s) ${list}${nice}`,
  };
}

function spawnSyncChecked(command: string, args: string[]): void {
  const result = spawnSync(command, args, { stdio: "ignore" });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed`);
}

/** The upstream peer process, and a request/answer helper over its IPC channel. */
class PeerProcess {
  private constructor(readonly child: ChildProcess, readonly port: number) {}

  static async start(pin: string[], key: string, tls?: { certFile: string; keyFile: string }): Promise<PeerProcess> {
    // The peer runs with the bench's own node flags (GC settings apply to both load processes).
    const [command, ...args] = [...pin, process.execPath, ...process.execArgv, join(__dirname, "peer.js")];
    const child = spawn(command, args, {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin", [PEER_KEY_ENV]: key,
        ...(tls ? { [PEER_TLS_CERT_ENV]: tls.certFile, [PEER_TLS_KEY_ENV]: tls.keyFile } : {}),
      },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      serialization: "advanced",
    });
    const ready = await waitMessage(child, "ready", 10_000);
    return new PeerProcess(child, ready.port);
  }

  send(message: ToPeer): void {
    this.child.send(message);
  }

  async ask<T extends FromPeer["type"]>(message: ToPeer, answer: T, timeoutMs = 10_000): Promise<Extract<FromPeer, { type: T }>> {
    const waiting = waitMessage(this.child, answer, timeoutMs);
    this.send(message);
    return waiting;
  }

  report(): Promise<PeerReport> {
    return this.ask({ type: "report" }, "report").then((m) => m.report);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((r) => this.child.once("exit", () => r()));
    if (this.child.connected) this.send({ type: "close" });
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }
}

function waitMessage<T extends FromPeer["type"]>(child: ChildProcess, type: T, timeoutMs: number): Promise<Extract<FromPeer, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: FromPeer) => {
      if (message.type !== type) return;
      cleanup();
      resolve(message as Extract<FromPeer, { type: T }>);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`the upstream peer exited (${code}) while the bench waited for "${type}"`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`the upstream peer did not answer "${type}" within ${timeoutMs} ms`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
    };
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

export interface ClockCheck {
  samples: number;
  /** Peer readings outside [bench before, bench after]: must be 0 for delays across processes to mean anything. */
  outside: number;
  /** Widest and median bracket (IPC round trip), µs. */
  maxBracketMicros: number;
  medianBracketMicros: number;
}

/**
 * Do the bench and the peer read the same clock? Each sample: read ours (t0), ask the peer for its
 * `process.hrtime.bigint()`, read ours again (t1). With one clock the peer's reading lies in [t0, t1]
 * every time; with different clocks (or an offset) it falls outside.
 */
async function checkClock(peer: PeerProcess, samples = 50): Promise<ClockCheck> {
  let outside = 0;
  const brackets: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = process.hrtime.bigint();
    const { ns } = await peer.ask({ type: "clock" }, "clock");
    const t1 = process.hrtime.bigint();
    if (ns < t0 || ns > t1) outside++;
    brackets.push(Number(t1 - t0) / 1000);
  }
  brackets.sort((a, b) => a - b);
  return { samples, outside, maxBracketMicros: brackets[brackets.length - 1], medianBracketMicros: brackets[Math.floor(brackets.length / 2)] };
}

/**
 * This machine may be shared: before a run, wait (bounded) until no core is busier than `limit` over
 * half a second, so other people's builds do not land in the figures. Returns the last reading.
 */
async function waitForQuiet(maxWaitMs: number, limit = 0.15): Promise<{ busy: number[]; waitedMs: number }> {
  const started = Date.now();
  for (;;) {
    const before = readCoreTimes();
    await sleep(500);
    const after = readCoreTimes();
    const busy = [...after.keys()].sort((a, b) => a - b).map((core) => busyFraction(before.get(core)!, after.get(core)!) ?? 0);
    const waitedMs = Date.now() - started;
    if (busy.every((b) => b < limit) || waitedMs >= maxWaitMs) return { busy, waitedMs };
    if (waitedMs < 600) log(`  machine busy (cores ${busy.map((b) => `${Math.round(b * 100)}%`).join(", ")}): waiting up to ${maxWaitMs / 1000} s for quiet`);
  }
}

interface RunContext {
  options: BenchOptions;
  placement: Placement;
  clockChecks: ClockCheck[];
  /** The TLS peer's certificate, made once when proxy-tls is among the hops. */
  tls?: { certFile: string; keyFile: string };
}

async function runPhase(hopName: HopName, frameMs: number, sessions: number, ctx: RunContext, quietWaitMs: number): Promise<PhaseMeasurements> {
  const { options, placement } = ctx;
  const quiet = await waitForQuiet(quietWaitMs);
  if (quiet.busy.some((b) => b >= 0.15)) log(`  still busy after ${Math.round(quiet.waitedMs / 1000)} s (cores ${quiet.busy.map((b) => `${Math.round(b * 100)}%`).join(", ")}): running anyway; the row's notes will say if it mattered`);
  const key = randomBytes(16).toString("hex");
  const tls = hopName === "proxy-tls" ? ctx.tls : undefined;
  const peer = await PeerProcess.start(placement.generatorPin, key, tls);
  const generator = new LoadGenerator();
  try {
    const clock = await checkClock(peer);
    ctx.clockChecks.push(clock);
    if (clock.outside > 0) throw new Error(`the peer's clock is not this process's clock (${clock.outside} of ${clock.samples} readings outside the bracket): delays would be meaningless`);
    const profile = hopName.startsWith("proxy") && options.profileDir ? join(resolve(options.profileDir), `proxy-${frameMs}ms-${sessions}-sessions-${Date.now()}.cpuprofile`) : undefined;
    const nodeFlags = [
      ...(profile ? ["--cpu-prof", `--cpu-prof-dir=${resolve(options.profileDir!)}`, `--cpu-prof-name=${profile.split("/").pop()}`] : []),
      ...(hopName === "direct" || hopName === "nginx" ? [] : options.hopNodeFlags),
    ];
    const hop = await startHop(hopName, { peerPort: peer.port, peerKey: key, peerCertFile: tls?.certFile, pin: placement.hopPin, sessions, nodeFlags, showStdout: options.hopNodeFlags.some((f) => f.startsWith("--trace")) });
    try {
      const idle = sampleProcesses(hop.pids());
      const open = await generator.open(sessions, hop.url, hop.headers, { concurrency: options.concurrency, timeoutMs: 15_000 });
      await sleep(300); // session.update answered, handshakes settled
      const start = process.hrtime.bigint();
      const warmupNs = BigInt(Math.round(options.warmupSeconds * 1e9));
      const window = { startNs: start + warmupNs, endNs: start + warmupNs + BigInt(options.durationSeconds * 1e9) };
      // One more frame than the window needs, so its last frames are in flight while it closes.
      const streamMs = (options.warmupSeconds + options.durationSeconds) * 1000 + frameMs;
      peer.send({ type: "stream", frameMs, durationMs: streamMs, window, turnMs: options.turnMs });
      const streamed = generator.stream(frameMs, streamMs, window);

      const untilNs = (ns: bigint) => sleep(Number(ns - process.hrtime.bigint()) / 1e6);
      await untilNs(window.startNs);
      const before = { at: process.hrtime.bigint(), cores: readCoreTimes(), hop: sampleProcesses(hop.pids()), self: process.cpuUsage(), peer: readProcessStat(peer.child.pid!) };
      generator.watchLoop();
      await untilNs(window.endNs);
      const after = { at: process.hrtime.bigint(), cores: readCoreTimes(), hop: sampleProcesses(hop.pids()), self: process.cpuUsage(), peer: readProcessStat(peer.child.pid!) };
      generator.stopWatchingLoop();
      await streamed;

      // Drain: wait (bounded) until every frame written has arrived or nothing moves any more.
      let peerReport = await peer.report();
      for (let i = 0; i < 40; i++) {
        const done = !peerReport.streaming && generator.received >= peerReport.sent && peerReport.uplink.received >= generator.sent;
        if (done) break;
        await sleep(100);
        peerReport = await peer.report();
      }
      const generatorReport = generator.report();
      const windowSeconds = Number(after.at - before.at) / 1e9;
      const hz = clockTicksPerSecond();
      const coreBusy = (core: number) => busyFraction(before.cores.get(core)!, after.cores.get(core)!) ?? 0;
      const hopLog = hop.log().trim();
      if (hopLog) log(`  ${hopName} said: ${hopLog.split("\n").slice(-5).join(" | ").slice(0, 600)}`);
      return {
        hop: hopName, frameMs, sessions, windowSeconds,
        opened: open.opened, openFailures: open.failures, openSeconds: open.elapsedMs / 1000,
        generator: generatorReport, peer: peerReport,
        generatorCpuSeconds: (after.self.user + after.self.system - before.self.user - before.self.system) / 1e6,
        peerCpuSeconds: ((after.peer?.cpuTicks ?? 0) - (before.peer?.cpuTicks ?? 0)) / hz,
        hopCpuSeconds: hopName === "direct" ? undefined : after.hop.cpuSeconds - before.hop.cpuSeconds,
        hopSystemSeconds: hopName === "direct" ? undefined : after.hop.systemSeconds - before.hop.systemSeconds,
        generatorCoresBusy: placement.generatorCores.map(coreBusy),
        hopCoreBusy: hopName === "direct" || placement.hopCore === undefined ? undefined : coreBusy(placement.hopCore),
        hopRssIdleBytes: hopName === "direct" ? undefined : idle.rssBytes,
        hopRssLoadedBytes: hopName === "direct" ? undefined : after.hop.rssBytes,
        profile,
        window,
      };
    } finally {
      await generator.close();
      await hop.stop();
    }
  } finally {
    await peer.stop();
  }
}

function describeCapacity(c: MeasuredCapacity): string {
  const at = c.sessionsAtTarget === 0 ? "none of the tested counts" : `${c.kind === "lower bound" ? "at least " : ""}${c.sessionsAtTarget} open sessions`;
  const next = c.next ? ` (${c.next.sessions}: ${c.next.reason})` : c.kind === "lower bound" ? " (the largest count tested)" : "";
  return `${c.hop}, ${c.frameMs} ms frames: ${at} on one core within +${c.targetP99Ms} ms p99, no loss, no failures${next}`;
}

async function main(): Promise<void> {
  if (process.argv.includes("--help") || process.argv.includes("-h")) {
    console.log(USAGE);
    return;
  }
  const options = parseBenchArgs(process.argv.slice(2));
  const started = Date.now();
  const placement = place(options);
  // Children (peer, proxy, nginx) inherit this priority.
  if (options.nice !== 0) setPriority(process.pid, options.nice);
  if (options.profileDir) mkdirSync(resolve(options.profileDir), { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), "bench-"));
  const ctx: RunContext = { options, placement, clockChecks: [], tls: options.hops.includes("proxy-tls") ? makeLoopbackCertificate(scratch) : undefined };
  log(`bench: ${placement.note}; ${options.warmupSeconds} s warm-up + ${options.durationSeconds} s measured per run`);
  const rows: BenchRow[] = [];
  // A run: peer and hop start, sessions open, warm-up, window, drain and stop (about 4 s besides the audio).
  const budget = new TimeBudget(options.budgetSeconds * 1000, (options.warmupSeconds + options.durationSeconds + 4) * 1000, started);
  const plan = options.frameMs.flatMap((frameMs) => options.sessions.flatMap((sessions) => options.hops.map((hop) => ({ frameMs, sessions, hop }))));
  const run = async (hop: HopName, frameMs: number, sessions: number, runsLeft: number) => {
    const began = Date.now();
    const row = summarise(await runPhase(hop, frameMs, sessions, ctx, budget.quietWaitMs(began, runsLeft, options.quietWaitSeconds * 1000)));
    budget.ran(Date.now() - began);
    return row;
  };
  try {
    for (const [index, { frameMs, sessions, hop }] of plan.entries()) {
      const runsLeft = plan.length - index;
      log(`bench: ${hop}, ${sessions} sessions, ${frameMs} ms frames ...`);
      let row = await run(hop, frameMs, sessions, runsLeft);
      for (let attempt = 1; row.verdict.noisy && attempt <= options.retries; attempt++) {
        if (!budget.canRepeat(Date.now(), runsLeft - 1)) {
          log(`  disturbed (${row.verdict.notes.join("; ")}); no time left in the --budget to run it again`);
          break;
        }
        log(`  disturbed (${row.verdict.notes.join("; ")}): running it again`);
        row = await run(hop, frameMs, sessions, runsLeft);
      }
      rows.push(row);
      log(`  p99 ${row.delay.p99Ms?.toFixed(2) ?? "-"} ms, lost ${row.framesLost}, failed ${row.sessionsFailed}` +
        `${row.hopCpuCores === undefined ? "" : `, hop ${row.hopCpuCores.toFixed(2)} core, ${row.hopCpuMicrosPerFrame?.toFixed(1)} µs/frame (${Math.round((row.hopKernelShare ?? 0) * 100)}% in the kernel)`}` +
        `${row.verdict.notes.length ? `; ${row.verdict.notes.join("; ")}` : ""}`);
      if (row.profile) {
        const p = row.profile;
        log(`  profile: node ${join(__dirname, "cpuProfile.js")} ${p.file} --from-us ${p.fromMicros} --to-us ${p.toMicros} --frames ${p.framesInWindow}`);
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const final = addBaselines(rows);
  const capacities = options.hops.filter((h) => h.startsWith("proxy"))
    .flatMap((hop) => options.frameMs.map((frameMs) => capacityAtTarget(final, frameMs, options.targetP99Ms, hop)));
  const clock = {
    samples: ctx.clockChecks.reduce((n, c) => n + c.samples, 0),
    outside: ctx.clockChecks.reduce((n, c) => n + c.outside, 0),
    maxBracketMicros: Math.max(...ctx.clockChecks.map((c) => c.maxBracketMicros)),
  };
  const elapsedSeconds = (Date.now() - started) / 1000;

  console.log(formatTable(final));
  console.log("");
  for (const c of capacities) console.log(`capacity, ${describeCapacity(c)}`);
  console.log(`clock: bench and peer share one monotonic clock (${clock.samples} readings, ${clock.outside} outside the IPC bracket, widest bracket ${clock.maxBracketMicros.toFixed(0)} µs)`);
  console.log(`${placement.note}; ${cpus()[0]?.model ?? "unknown CPU"}, ${MACHINE_CORES} cores, Node ${process.version}; ${elapsedSeconds.toFixed(0)} s`);
  if (options.json) {
    writeFileSync(options.json, JSON.stringify({
      command: commandLine(process.argv.slice(2)),
      date: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model, cores: MACHINE_CORES, node: process.version, placement },
      options, clock, elapsedSeconds, capacities, rows: final,
    }, null, 2));
    log(`bench: wrote ${options.json}`);
  }
}

if (require.main === module) {
  // Interrupted: no proxy or nginx is left running (the peer exits by itself when its IPC channel closes).
  process.on("exit", killStrays);
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(130));
  main().catch((error: Error) => {
    console.error(error instanceof ArgsError ? error.message : `bench: ${error.stack ?? error.message}`);
    process.exit(error instanceof ArgsError ? 2 : 1);
  });
}
