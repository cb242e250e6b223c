/**
 * `npm run plan -- --stack NAME [--out FILE] [--dir DIR]`: the Pulumi program for Pulumi.NAME.yaml under
 * Pulumi's mock engine (no Azure, no network). Prints a summary for review and writes the manifest.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { StackConfigError } from "../stacks/config";
import { runProgram, type PlanRun, type RecordedResource } from "../stacks/mockEngine";
import { runPolicies, type PolicyResult } from "../stacks/policies";
import { capacityAlertThreshold, maxSessionsPerInstance, sessionCapacity } from "../stacks/derived";

function parseArgs(argv: string[]): { stack: string; out?: string; dir?: string } {
  const args: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    if (!["--stack", "--out", "--dir"].includes(key) || argv[i + 1] === undefined) throw new Error(`unexpected argument "${key}"`);
    args[key.slice(2)] = argv[++i];
  }
  if (!args.stack) throw new Error("--stack NAME is required (a Pulumi.NAME.yaml next to Pulumi.yaml)");
  return { stack: args.stack, out: args.out, dir: args.dir };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- registered inputs are untyped
type Loose = any;

export function summary(run: PlanRun, policy: PolicyResult[], warnings: string[]): string {
  const c = run.config;
  const byType = new Map<string, number>();
  for (const r of run.resources) byType.set(r.type, (byType.get(r.type) ?? 0) + 1);
  const find = (type: string): RecordedResource | undefined => run.resources.find((r) => r.type === type);
  const app = find("azure-native:app:ContainerApp")?.inputs as Loose;
  const origins = find("azure-native:cdn:AFDOriginGroup")?.inputs as Loose;
  const lines = [
    `stack ${run.stack} (${run.project}), ${run.resources.length} resources in ${c.location}`,
    "",
    "resources by kind:",
    ...[...byType.entries()].sort().map(([t, n]) => `  ${String(n).padStart(3)}  ${t}`),
    "",
    "scaling:",
    `  replicas ${app?.template?.scale?.minReplicas}..${app?.template?.scale?.maxReplicas}, HTTP scale rule concurrentRequests=${app?.template?.scale?.rules?.[0]?.http?.metadata?.concurrentRequests}`,
    `  ${c.cpu} vCPU / ${c.memoryGiB} GiB per replica; capacity ${sessionCapacity(c)} sessions; MAX_SESSIONS_PER_INSTANCE ${maxSessionsPerInstance(c.sessionsPerReplica)}`,
    `  session limit ${c.session.maxMinutes} min, upstream rotation ${c.session.rotateMinutes} min, ${c.session.maxPerUser} sessions per user`,
    "affinity:",
    `  container app: stickySessions=${app?.configuration?.ingress?.stickySessions?.affinity}, revisions=${app?.configuration?.activeRevisionsMode}`,
    `  front door: ${origins ? `origin group sessionAffinityState=${origins.sessionAffinityState}, probe ${origins.healthProbeSettings?.probePath}` : "disabled"}`,
    "upstreams:",
    ...c.upstreams.map((u) => `  ${u.priority}. ${u.name} ${u.kind} ${u.region} ${u.model ?? u.deployment} (${u.auth})`),
    "alerts:",
    `  active sessions > ${capacityAlertThreshold(c)} (${c.alerts.capacityPercent}% of ${sessionCapacity(c)}); p95 latency > ${c.alerts.latencyP95Ms} ms; errors > ${c.alerts.errorRatePercent}%; connect failures > ${c.alerts.connectFailurePercent}%`,
    `  replicas at ${c.replicas.max}; container restarts; Redis load > ${c.alerts.redisServerLoadPercent}%; Front Door origin health; to ${c.alerts.emails.join(", ")}`,
    "budget:",
    ...((run.outputs.budgetDerivation as string[] | undefined) ?? []).map((l) => `  ${l}`),
    `  notifications at 50%, 80%, 100% actual and 100% forecast to ${c.budget.financeEmails.join(", ")} and the action group`,
    "",
    warnings.length ? "warnings:" : "warnings: none",
    ...warnings.map((w) => `  ! ${w}`),
    policy.length ? "policy:" : "policy: all passed",
    ...policy.map((p) => `  ${p.level === "mandatory" ? "x" : "~"} ${p.policy}: ${p.resource}: ${p.message}`),
  ];
  return lines.join("\n");
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`plan: ${(error as Error).message}`);
    process.exit(2);
  }
  let run: PlanRun;
  try {
    run = await runProgram(args.stack, args.dir ? resolve(args.dir) : undefined);
  } catch (error) {
    if (error instanceof StackConfigError) {
      console.error(`plan: ${args.stack}: ${error.problems.length} problem(s) in the stack configuration:`);
      for (const p of error.problems) console.error(`${p.stack}: ${p.path}: ${p.reason}`);
      process.exit(1);
    }
    throw error;
  }
  const policy = runPolicies(run.stack, run.resources);
  const warnings = (run.outputs.capacityWarnings as string[] | undefined) ?? [];
  const manifest = {
    stack: run.stack,
    project: run.project,
    resources: run.resources.map((r) => ({ type: r.type, name: r.name, parent: r.parent, inputs: r.inputs })),
    outputs: run.outputs,
    warnings,
    policy,
  };
  console.log(summary(run, policy, warnings));
  if (args.out) {
    writeFileSync(args.out, `${JSON.stringify(manifest, null, 2)}\n`);
    console.log(`\nmanifest: ${args.out}`);
  }
  if (policy.some((p) => p.level === "mandatory")) process.exit(1);
  process.exit(0);
}

void main().catch((error: Error) => {
  console.error(`plan: ${error.stack ?? error.message}`);
  process.exit(1);
});
