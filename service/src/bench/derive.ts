/**
 * `sessionsPerReplica` from a bench run's JSON, for the replica shapes of the stacks:
 *
 *   node service/dist/service/src/bench/derive.js --from bench.json [--hop proxy-tls] [--frame-ms 40 ...]
 *        [--headroom 30] [--replica prod=1:2 --replica staging=0.5:1]
 *
 * `--replica NAME=VCPU:GIB` is a stack's `cpu` and `memoryGiB` (Pulumi.NAME.yaml); the hop defaults to
 * the most production-like one in the file (proxy-tls, else proxy). Clients choose their frame size, so
 * the capacity is the smallest over every frame size measured (or those given with --frame-ms): a frame
 * size at which no tested count met the target means no number can be derived.
 */
import { readFileSync } from "node:fs";
import { capacityAtTarget, sessionsPerReplica, type CapacityRow, type MeasuredCapacity, type ReplicaDerivation } from "./capacity";
import { addBaselines, type BenchRow } from "./report";

export interface ReplicaSpec {
  name: string;
  vcpu: number;
  memoryGiB: number;
}

export function parseReplica(text: string): ReplicaSpec {
  const match = /^([A-Za-z0-9_-]+)=(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(text);
  if (!match) throw new Error(`--replica takes NAME=VCPU:GIB, e.g. prod=1:2 (got "${text}")`);
  return { name: match[1], vcpu: Number(match[2]), memoryGiB: Number(match[3]) };
}

export interface Derivation {
  /** The frame size that limits (smallest capacity), and every frame size's capacity. */
  capacity: MeasuredCapacity;
  perFrameSize: MeasuredCapacity[];
  /** Memory per session used: the marginal figure when the run had two sizes, else the average. */
  rssPerSessionBytes: number;
  replicas: Array<ReplicaSpec & ReplicaDerivation>;
}

export function derive(
  rows: Array<CapacityRow & { hopRssMarginalKB?: number }>,
  options: { hop: string; frameMs: number[]; targetP99Ms: number; headroomPercent: number; replicas: ReplicaSpec[] },
): Derivation {
  const perFrameSize = options.frameMs.map((frameMs) => capacityAtTarget(rows, frameMs, options.targetP99Ms, options.hop));
  const missed = perFrameSize.find((c) => c.sessionsAtTarget === 0);
  if (missed) {
    throw new Error(`no tested number of ${options.hop} sessions met the target at ${missed.frameMs} ms frames${missed.next ? ` (${missed.next.sessions}: ${missed.next.reason})` : ""}`);
  }
  const capacity = perFrameSize.reduce((a, b) => (b.sessionsAtTarget < a.sessionsAtTarget ? b : a));
  const row = rows.find((r) => r.hop === options.hop && r.frameMs === capacity.frameMs && r.sessions === capacity.sessionsAtTarget);
  const rssPerSessionBytes = (row?.hopRssMarginalKB !== undefined && row.hopRssMarginalKB > 0 ? row.hopRssMarginalKB * 1e3 : undefined) ?? capacity.rssPerSessionBytes ?? 0;
  const measured = { sessionsPerCore: capacity.sessionsAtTarget, rssPerSessionBytes, baseRssBytes: capacity.baseRssBytes ?? 0 };
  return {
    capacity,
    perFrameSize,
    rssPerSessionBytes,
    replicas: options.replicas.map((replica) => ({ ...replica, ...sessionsPerReplica(measured, { vcpu: replica.vcpu, memoryGiB: replica.memoryGiB }, options.headroomPercent) })),
  };
}

function main(): void {
  const args = process.argv.slice(2);
  const values = (flag: string) => args.flatMap((a, i) => (a === flag && args[i + 1] !== undefined ? [args[i + 1]] : []));
  const from = values("--from")[0];
  if (!from) {
    console.error("usage: derive.js --from bench.json [--hop proxy-tls] [--frame-ms 40 ...] [--headroom 30] [--replica prod=1:2 ...]");
    process.exit(2);
  }
  const saved = JSON.parse(readFileSync(from, "utf8")) as { command: string; date: string; options: { targetP99Ms: number }; rows: BenchRow[] };
  // Judged again with this version's rules (baselines, marginal memory).
  const run = { ...saved, rows: addBaselines(saved.rows) };
  const hops = new Set(run.rows.map((r) => r.hop));
  const hop = values("--hop")[0] ?? (hops.has("proxy-tls") ? "proxy-tls" : "proxy");
  const given = values("--frame-ms").map(Number);
  const frameMs = given.length ? given : [...new Set(run.rows.filter((r) => r.hop === hop).map((r) => r.frameMs))].sort((a, b) => a - b);
  const headroomPercent = Number(values("--headroom")[0] ?? 30);
  const replicas = values("--replica").map(parseReplica);
  if (replicas.length === 0) replicas.push({ name: "prod", vcpu: 1, memoryGiB: 2 }, { name: "staging", vcpu: 0.5, memoryGiB: 1 });
  const result = derive(run.rows, { hop, frameMs, targetP99Ms: run.options.targetP99Ms, headroomPercent, replicas });
  const c = result.capacity;
  console.log(`from ${from} (${run.command}, ${run.date})`);
  for (const f of result.perFrameSize) {
    console.log(`capacity at ${f.frameMs} ms frames: ${f.kind === "lower bound" ? "at least " : ""}${f.sessionsAtTarget} ${hop} sessions on one core within +${f.targetP99Ms} ms p99` +
      `${f.next ? ` (${f.next.sessions}: ${f.next.reason})` : ""}`);
  }
  console.log(`used: ${c.sessionsAtTarget} (${c.frameMs} ms frames); ${(result.rssPerSessionBytes / 1e3).toFixed(0)} KB per session, ${((c.baseRssBytes ?? 0) / 1e6).toFixed(0)} MB idle`);
  for (const r of result.replicas) {
    console.log(`${r.name} (${r.vcpu} vCPU, ${r.memoryGiB} GiB), ${headroomPercent}% headroom: sessionsPerReplica ${r.sessionsPerReplica} (MAX_SESSIONS_PER_INSTANCE ${r.maxSessionsPerInstance}); ${r.explanation}`);
  }
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    console.error(`derive: ${(error as Error).message}`);
    process.exit(1);
  }
}
