/**
 * `npm run plan -- --stack NAME [--out FILE] [--dir DIR]`: the Pulumi program for Pulumi.NAME.yaml under
 * Pulumi's mock engine (no Azure, no network). Prints a summary for review and writes the manifest.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { StackConfigError } from "../stacks/config";
import { runPolicies } from "../stacks/policies";
import { availability, beforeUpLines, choiceWarnings, deployerRoles, placeholderErrors } from "../stacks/preflight";
import { formatGlobalCapacity, globalCapacityInputFrom, planGlobalCapacity } from "../stacks/globalCapacity";
import { runProgram, type PlanRun } from "./mockEngine";
import { summary } from "./summary";

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
  const regions = availability(run.stack, run.config);
  // A stack that declares its peak (`capacity`) gets the global capacity plan: per region, with a region lost.
  // The program replicates resume state through the service (PEER_REDIS_URLS: each proxy writes to every
  // region's Redis), not with Managed Redis active geo-replication (the planner's default).
  const capacityInput = globalCapacityInputFrom(run.config);
  const capacityPlan = capacityInput ? planGlobalCapacity(capacityInput) : undefined;
  const warnings = [
    ...((run.outputs.capacityWarnings as string[] | undefined) ?? []),
    ...regions.warnings, ...choiceWarnings(run.config),
    // The program already creates the profiles the peak needs: that warning only repeats it.
    ...(capacityPlan?.warnings ?? [])
      .filter((w) => !(w.name === "frontDoor.webSocketsPerProfile" && run.resources.filter((r) => r.type === "azure-native:cdn:Profile").length >= capacityPlan!.ingress.frontDoorProfiles.value))
      .map((w) => `capacity plan (${w.name}): ${w.message}`),
  ];
  // What would deploy but not work, or ship an example value as prod's own: the plan fails on these.
  const errors = [...regions.errors, ...placeholderErrors(run.stack, run.config)];
  const manifest = {
    stack: run.stack,
    project: run.project,
    resources: run.resources.map((r) => ({ type: r.type, name: r.name, parent: r.parent, inputs: r.inputs })),
    outputs: run.outputs,
    warnings,
    policy,
  };
  console.log(summary(run, policy, warnings, { deployer: deployerRoles(run.resources), beforeUp: beforeUpLines(run.stack, run.config) }));
  if (capacityPlan) console.log(`\n${formatGlobalCapacity(capacityPlan)}`);
  if (args.out) {
    writeFileSync(args.out, `${JSON.stringify(manifest, null, 2)}\n`);
    console.log(`\nmanifest: ${args.out}`);
  }
  if (errors.length > 0) {
    console.error(`plan: ${run.stack}: ${errors.length} problem(s) to fix before \`pulumi up\`:`);
    for (const e of errors) console.error(`${run.stack}: ${e}`);
  }
  if (errors.length > 0 || policy.some((p) => p.level === "mandatory")) process.exit(1);
  process.exit(0);
}

void main().catch((error: Error) => {
  console.error(`plan: ${error.stack ?? error.message}`);
  process.exit(1);
});
