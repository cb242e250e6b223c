/**
 * A stack's registered resources reduced to what `pulumi up` would compare: each resource's type, name,
 * parent, dependencies and a hash of its inputs (canonical JSON). Two runs with the same fingerprint
 * register the same resources, names and inputs. Used to prove that the multi-region program leaves the
 * single-region stacks exactly as they were (tests/infra/fixtures/single-region-<stack>.json holds the
 * fingerprint of the program before regions existed).
 *
 * Two inputs are normalized because they depend on the machine, not the program: the repository's
 * absolute path (the image's build context) and the budget's start date (the first of the current month).
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { RecordedResource } from "../../plan/mockEngine";

const ROOT = join(__dirname, "..", "..");

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.keys(value as object).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  if (typeof value === "string") return value.split(ROOT).join("<root>");
  return value;
}

export interface ResourceFingerprint {
  parent: string | null;
  dependsOn: string[];
  inputsSha256: string;
}

export function fingerprint(resources: RecordedResource[]): Record<string, ResourceFingerprint> {
  const out: Record<string, ResourceFingerprint> = {};
  for (const r of resources) {
    let inputs = r.inputs;
    if (r.type === "azure-native:consumption:Budget") {
      const i = inputs as { timePeriod?: Record<string, unknown> };
      inputs = { ...inputs, timePeriod: { ...(i.timePeriod ?? {}), startDate: "<first of month>" } };
    }
    out[`${r.type}::${r.name}`] = {
      parent: r.parent,
      dependsOn: [...(r.dependsOn ?? [])].sort(),
      inputsSha256: createHash("sha256").update(JSON.stringify(canonical(inputs))).digest("hex"),
    };
  }
  return out;
}

/** Resources that differ between two fingerprints, by key: what was added, removed or changed. */
export function fingerprintDiff(before: Record<string, ResourceFingerprint>, after: Record<string, ResourceFingerprint>): string[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return keys.flatMap((k) => {
    if (!before[k]) return [`added ${k}`];
    if (!after[k]) return [`removed ${k}`];
    const changed = (["parent", "dependsOn", "inputsSha256"] as const).filter((f) => JSON.stringify(before[k][f]) !== JSON.stringify(after[k][f]));
    return changed.length ? [`changed ${k}: ${changed.join(", ")}`] : [];
  });
}
