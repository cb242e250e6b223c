/**
 * A single-region stack (no `regions` in its file) must register exactly what it did before the program
 * learned several regions: tests/infra/fixtures/single-region-<stack>.json is the fingerprint of every
 * resource (type, name, parent, dependencies, a hash of its inputs) taken from that program. A change
 * here means `pulumi up` would touch a running single-region stack.
 *
 * When a single-region stack is meant to change (a new setting, a new resource), regenerate the
 * fixture with the command below and review the diff of the fixture in the same commit:
 *   UPDATE_SINGLE_REGION_FIXTURE=1 npx jest tests/infra/<stack>.test.ts -t "before regions existed"
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PlanRun } from "../../plan/mockEngine";
import { fingerprint, fingerprintDiff, type ResourceFingerprint } from "./resourceFingerprint";

export function expectSingleRegionUnchanged(run: PlanRun): void {
  expect(run.config.regions).toBeUndefined();
  const file = join(__dirname, "fixtures", `single-region-${run.stack}.json`);
  const now = fingerprint(run.resources);
  if (process.env.UPDATE_SINGLE_REGION_FIXTURE === "1") writeFileSync(file, `${JSON.stringify(now, null, 1)}\n`);
  expect(existsSync(file)).toBe(true);
  const before = JSON.parse(readFileSync(file, "utf8")) as Record<string, ResourceFingerprint>;
  expect(fingerprintDiff(before, now)).toEqual([]);
  expect(Object.keys(now)).toHaveLength(Object.keys(before).length);
}
