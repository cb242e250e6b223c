/** Lookups over a plan run's recorded resources, for the infra suites. */
import type { PlanRun, RecordedResource } from "../../plan/mockEngine";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- registered inputs are untyped
export type Loose = any;

/** `run` is read when a lookup is made (the suites set it in beforeAll). */
export function lookups(run: () => PlanRun) {
  const all = (type: string): Array<RecordedResource & { inputs: Loose }> => run().resources.filter((r) => r.type === type);
  const one = (type: string): Loose => {
    const found = all(type);
    expect(found.map((r) => r.name)).toHaveLength(1);
    return found[0].inputs;
  };
  return { all, one };
}
