/**
 * `npm run chaos`: the survival experiments at full size, each on a cluster of its own (proxy processes
 * behind nginx with the shipped template, a real redis-server, emulated upstreams). Prints one line per
 * experiment and writes the reports as JSON.
 *
 *   npm run chaos -- [--library 24] [--openai 8] [--turns 4] [--only rolling-restart,scale-in] [--out chaos.json]
 *
 * Exit code 1 when any experiment lost a session, a user turn, an input frame or an answer (kill -9 of an
 * instance is measured, not held to zero: what was in flight dies with the process).
 */
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { EXPERIMENTS, formatReport, runExperiment, type Experiment, type Report } from "../tests/support/chaos";

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1] : fallback;
}

function count(name: string, fallback: number): number {
  const value = Number(option(name, String(fallback)));
  if (!Number.isInteger(value) || value < 0) {
    console.error(`--${name} must be a whole number >= 0`);
    process.exit(2);
  }
  return value;
}

async function main(): Promise<void> {
  const size = { libraryUsers: count("library", 24), openaiUsers: count("openai", 8), minTurns: count("turns", 4) };
  const all: Experiment[] = [
    EXPERIMENTS.rollingRestart(3), EXPERIMENTS.stalledUpstream(), EXPERIMENTS.killedUpstream(),
    EXPERIMENTS.rotation("server_vad"), EXPERIMENTS.rotation("manual"), EXPERIMENTS.scaleIn(),
    EXPERIMENTS.redisRestart(), EXPERIMENTS.redisFreeze(), EXPERIMENTS.killInstance(3),
  ];
  const only = option("only", "").split(",").filter(Boolean);
  const unknown = only.filter((name) => !all.some((e) => e.name === name));
  if (unknown.length > 0) {
    console.error(`unknown experiment(s): ${unknown.join(", ")}; known: ${all.map((e) => e.name).join(", ")}`);
    process.exit(2);
  }
  const reports: Report[] = [];
  // The figures depend on the machine: its cores and how busy it was (1-minute load average) go with them.
  const load = (): number => Number(loadavg()[0].toFixed(2));
  const machine = { cpus: cpus().length, loadAtStart: load() };
  console.log(`${machine.cpus} cores, load average ${machine.loadAtStart}`);
  for (const experiment of all.filter((e) => only.length === 0 || only.includes(e.name))) {
    const report = await runExperiment(experiment, experiment.name === "scale-in" ? { ...size, minTurns: 1 } : size);
    console.log(`${formatReport(report)} (load average ${load()})`);
    reports.push(report);
  }
  writeFileSync(option("out", "chaos.json"), `${JSON.stringify({ date: new Date().toISOString(), size, machine: { ...machine, loadAtEnd: load() }, reports }, null, 2)}\n`);
  const heldToZero = new Set(all.filter((e) => !e.lossExpected).map((e) => e.name));
  const failed = reports.filter((r) => heldToZero.has(r.experiment) && r.sessionsLost + r.userTurnsLost + r.inputFramesLost + r.answersCut > 0);
  process.exit(failed.length > 0 ? 1 : 0);
}

void main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
