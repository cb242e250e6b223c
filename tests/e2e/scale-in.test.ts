/**
 * Scale-in while long answers stream: 8 client-library sessions on two proxy instances (in this process,
 * behind nginx with the shipped template, a real redis-server, the emulator answering for 15 s each).
 * The instance holding most sessions gets SIGTERM's drain for good: with the platform's 30 s grace the
 * drain waits (drainTimings) for each answer in flight to finish, then tells the client to reconnect;
 * the sessions resume on the other instance. Nothing may be lost: no session, no user turn, no input
 * frame, no answer cut. Resume times are printed, not asserted (the machine is shared); `npm run chaos`
 * runs the same experiment with more users, on proxy processes.
 */
import { EXPERIMENTS, formatReport, runExperiment } from "../support/chaos";

test("scale-in with 15 s answers in flight: every answer finishes, every session resumes on the other instance", async () => {
  const experiment = EXPERIMENTS.scaleIn();
  const report = await runExperiment({ ...experiment, cluster: { ...experiment.cluster, inline: true } }, { libraryUsers: 8, openaiUsers: 0, minTurns: 1 });
  console.log(formatReport(report));
  expect(report).toMatchObject({ sessionsLost: 0, userTurnsLost: 0, inputFramesLost: 0, answersCut: 0 });
  // The drain waited for every answer: none was cut and asked for again by the client library.
  expect(report.answersRetried).toBe(0);
  expect(report.resumes).toBe(8);
}, 120_000);
