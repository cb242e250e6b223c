/**
 * `npm run regions`: a whole region dies under load (tests/support/regionFailover.ts says what is
 * measured). Two regions on this machine, each with its own redis-server, upstream emulator, two proxy
 * processes and nginx from the shipped template, behind a front nginx that sends region A's traffic to
 * region B once A refuses it. Prints sessions lost, resume times, turns lost, replication lag and the RPO
 * observed, and writes them as JSON.
 *
 *   npm run regions -- [--sessions 100] [--turns 3] [--copy-interval 250] [--no-replication] [--inline] [--out regions.json]
 *
 * Exit code 1 when a session was lost.
 */
import { writeFileSync } from "node:fs";
import { formatFailoverReport, runRegionFailover } from "../tests/support/regionFailover";

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1] : fallback;
}

function count(name: string, fallback: number, min = 1): number {
  const value = Number(option(name, String(fallback)));
  if (!Number.isInteger(value) || value < min) {
    console.error(`--${name} must be a whole number >= ${min}`);
    process.exit(2);
  }
  return value;
}

async function main(): Promise<void> {
  const size = { sessions: count("sessions", 100), turnsBeforeKill: count("turns", 3), turnsAfter: 2 };
  const options = {
    inline: process.argv.includes("--inline"),
    replication: !process.argv.includes("--no-replication"),
    copyIntervalMs: count("copy-interval", 250, 10),
  };
  const report = await runRegionFailover(size, options, (line) => console.log(line));
  console.log(formatFailoverReport(report));
  writeFileSync(option("out", "regions.json"), `${JSON.stringify({ date: new Date().toISOString(), size, options, report }, null, 2)}\n`);
  process.exit(report.sessionsLost > 0 ? 1 : 0);
}

void main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
