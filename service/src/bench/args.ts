/**
 * `npm run bench` flags, validated once with every mistake listed. Defaults keep the whole run (build
 * excluded) under five minutes on a 2-core machine.
 */
import { HOP_NAMES, type HopName } from "./hops";

export interface BenchOptions {
  /** Open sessions per run; each value is run against every hop. */
  sessions: number[];
  /** Audio frame sizes (ms of PCM16 per event), both directions. */
  frameMs: number[];
  hops: HopName[];
  /** Measured seconds per run, after the warm-up. */
  durationSeconds: number;
  warmupSeconds: number;
  /** Audio per response turn: the peer sends response.done (with usage) and response.created between turns. */
  turnMs: number;
  /** Handshakes in flight while sessions open. */
  concurrency: number;
  /** Pin the hop to this core and everything else to the others (taskset), unless --no-pin. */
  hopCore: number;
  pin: boolean;
  /** Added one-way delay p99 the capacity is judged against. */
  targetP99Ms: number;
  /** Before each run, wait up to this long for the machine's cores to be quiet (shared machines). */
  quietWaitSeconds: number;
  /** Runs disturbed by other processes are repeated this many times (after waiting for quiet again). */
  retries: number;
  /** Seconds the whole bench may take: waits and repeats are skipped when the remaining runs would not fit (0: no limit). */
  budgetSeconds: number;
  /** Scheduling priority (nice) of the bench, the peer and the hop; below 0 needs root or CAP_SYS_NICE. */
  nice: number;
  json?: string;
  /** Run the proxy with --cpu-prof, writing its profiles here. */
  profileDir?: string;
  /** Extra node flags for the Node hops (proxy, proxy-tls, ws-floor), e.g. "--single-threaded-gc"; with a --trace flag their stdout is shown. */
  hopNodeFlags: string[];
}

export const DEFAULT_OPTIONS: BenchOptions = {
  sessions: [250, 500],
  frameMs: [40, 100],
  hops: ["direct", "nginx", "ws-floor", "proxy"],
  durationSeconds: 8,
  warmupSeconds: 2,
  turnMs: 5000,
  concurrency: 50,
  hopCore: 1,
  pin: true,
  targetP99Ms: 5,
  quietWaitSeconds: 20,
  retries: 1,
  budgetSeconds: 270,
  nice: 0,
  hopNodeFlags: [],
};

export const USAGE = `npm run bench -- [options]
  --sessions 250,500        open sessions per run (each against every hop)
  --frame-ms 40,100         audio per event, both directions (24 kHz PCM16, base64)
  --hops direct,nginx,ws-floor,proxy
                            paths compared, one after another: no hop, nginx (the repo's config), a bare
                            ws relay (the floor for a Node hop), the proxy; also proxy-tls (the proxy
                            with its upstream leg over TLS, as to Azure; needs openssl)
  --duration 8              measured seconds per run (after --warmup 2)
  --turn-ms 5000            audio per response turn (response.done with usage between turns)
  --concurrency 50          handshakes in flight while opening sessions
  --hop-core 1 | --no-pin   core the hop is pinned to with taskset (the rest run on the other cores)
  --target-p99-ms 5         added one-way delay p99 a row must stay under to count as capacity
  --quiet-wait 20           before each run, wait up to this many seconds for idle cores (shared machines)
  --retries 1               repeat a run that other processes disturbed, up to this many times
  --budget 270              seconds the whole run may take: quiet waits and repeats give way to it (0: none)
  --nice 0                  scheduling priority of every bench process (e.g. -10 on a shared machine, as root),
                            so other people's work on the same cores delays the measured processes less
  --json FILE               write every row (and the run's context) as JSON
  --profile DIR             run the proxy under --cpu-prof, writing .cpuprofile files to DIR
  --node-flags "FLAGS"      extra node flags for the Node hops (e.g. "--single-threaded-gc"; with a
                            --trace flag such as "--trace-gc" their stdout is shown)`;

export class ArgsError extends Error {}

export function parseBenchArgs(argv: string[]): BenchOptions {
  const options: BenchOptions = { ...DEFAULT_OPTIONS };
  const problems: string[] = [];
  const list = (flag: string, value: string | undefined, min: number, max: number, many = true): number[] | undefined => {
    const items = (value ?? "").split(",").filter(Boolean).map(Number);
    if (items.length === 0 || items.some((n) => !Number.isInteger(n) || n < min || n > max)) {
      problems.push(`${flag} needs ${many ? "whole numbers" : "a whole number"} from ${min} to ${max}${many ? ", comma-separated" : ""} (got "${value ?? ""}")`);
      return undefined;
    }
    return items;
  };
  const one = (flag: string, value: string | undefined, min: number, max: number): number | undefined => {
    if (value?.includes(",")) {
      problems.push(`${flag} takes one number (got "${value}")`);
      return undefined;
    }
    return list(flag, value, min, max, false)?.[0];
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => argv[++i];
    switch (flag) {
      case "--sessions": options.sessions = list(flag, value(), 1, 20_000) ?? options.sessions; break;
      case "--frame-ms": {
        const frames = list(flag, value(), 10, 1000);
        // 24 kHz PCM16: a frame is 48 bytes per ms, always a multiple of 3 bytes; 10 ms is the smallest event SDKs send.
        if (frames) options.frameMs = frames;
        break;
      }
      case "--hops": {
        const hops = (value() ?? "").split(",").filter(Boolean);
        const unknown = hops.filter((h) => !(HOP_NAMES as readonly string[]).includes(h));
        if (hops.length === 0 || unknown.length) problems.push(`--hops takes ${HOP_NAMES.join(", ")} (got "${hops.join(",")}")`);
        else options.hops = HOP_NAMES.filter((h) => hops.includes(h)); // direct first: the others are compared with it
        break;
      }
      case "--duration": options.durationSeconds = one(flag, value(), 1, 600) ?? options.durationSeconds; break;
      case "--warmup": options.warmupSeconds = one(flag, value(), 0, 60) ?? options.warmupSeconds; break;
      case "--turn-ms": options.turnMs = one(flag, value(), 100, 600_000) ?? options.turnMs; break;
      case "--concurrency": options.concurrency = one(flag, value(), 1, 1000) ?? options.concurrency; break;
      case "--hop-core": options.hopCore = one(flag, value(), 0, 1023) ?? options.hopCore; break;
      case "--quiet-wait": options.quietWaitSeconds = one(flag, value(), 0, 600) ?? options.quietWaitSeconds; break;
      case "--retries": options.retries = one(flag, value(), 0, 10) ?? options.retries; break;
      case "--budget": options.budgetSeconds = one(flag, value(), 0, 3600) ?? options.budgetSeconds; break;
      case "--nice": {
        const v = Number(value());
        if (!Number.isInteger(v) || v < -20 || v > 19) problems.push("--nice needs a whole number from -20 to 19");
        else options.nice = v;
        break;
      }
      case "--no-pin": options.pin = false; break;
      case "--target-p99-ms": {
        const v = Number(value());
        if (!(v > 0)) problems.push("--target-p99-ms needs a positive number");
        else options.targetP99Ms = v;
        break;
      }
      case "--json": {
        const file = value();
        if (!file) problems.push("--json needs a file name");
        else options.json = file;
        break;
      }
      case "--profile": {
        const dir = value();
        if (!dir) problems.push("--profile needs a directory");
        else options.profileDir = dir;
        break;
      }
      case "--node-flags": {
        const flags = (value() ?? "").split(/\s+/).filter(Boolean);
        if (flags.length === 0 || flags.some((f) => !f.startsWith("--"))) problems.push('--node-flags needs node flags, e.g. "--trace-gc"');
        else options.hopNodeFlags = flags;
        break;
      }
      default:
        problems.push(`unknown option "${flag}"`);
    }
  }
  if (problems.length) throw new ArgsError(`${problems.join("\n")}\n\n${USAGE}`);
  return options;
}

/** The command as typed: arguments with spaces (--node-flags "a b") quoted, so it can be pasted again. */
export function commandLine(args: string[]): string {
  return `npm run bench --${args.length ? " " : ""}${args.map((a, i) => (/\s/.test(a) || args[i - 1] === "--node-flags" ? `"${a}"` : a)).join(" ")}`;
}
