/**
 * The survival figures as the docs quote them, from one experiment's report (`npm run chaos` writes the
 * reports as JSON). Pure: the docs test checks every quoted run against its committed JSON with it.
 */
import type { Report } from "./chaos";

export type FigureReport = Pick<Report, "experiment" | "turns" | "sessionsLost" | "userTurnsLost" | "inputFramesLost" | "answersCut" | "answersRetried" | "resumes" | "resumeP50Ms" | "resumeP95Ms">;

export function survivalFigures(r: FigureReport): string {
  const resume = r.resumes > 0 ? `resume p50 ${r.resumeP50Ms} ms, p95 ${r.resumeP95Ms} ms (${r.resumes} resumes)` : "no resumes";
  return `${r.turns} turns: ${r.sessionsLost} sessions, ${r.userTurnsLost} user turns, ${r.inputFramesLost} input frames lost, ` +
    `${r.answersCut} answers cut (${r.answersRetried} asked again); ${resume}`;
}

/** A run's header as the docs quote it: which run file, when, at what size, on how loaded a machine. */
export function survivalRun(n: number, run: { date: string; size: { libraryUsers: number; openaiUsers: number }; machine: { cpus: number; loadAtStart: number; loadAtEnd: number } }): string {
  return `run ${n} (\`docs/survival/chaos-${n}.json\`, ${run.date.slice(0, 16).replace("T", " ")} UTC): ${run.size.libraryUsers} library and ${run.size.openaiUsers} openai 7 users, ` +
    `${run.machine.cpus} cores, load average ${run.machine.loadAtStart} at the start and ${run.machine.loadAtEnd} at the end`;
}
