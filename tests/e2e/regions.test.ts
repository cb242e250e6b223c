/**
 * A whole region dies mid-conversation (its two proxies, its redis-server and its nginx, SIGKILLed at
 * once): every session must resume in the other region through the same front, with the conversation it
 * had, less at most what was not yet copied (the stated RPO: PEER_COPY_INTERVAL_MS plus the copy's own
 * time, under one turn). Proxies run in the test's process (starting processes is slow on a shared
 * machine; `npm run regions` uses processes). Times are printed, not asserted.
 * Without PEER_REDIS_URLS it fails (REGIONS_TEST_NO_REPLICATION=1 runs it so): region B knows nothing of
 * region A's sessions, and every client starts a new conversation there.
 */
import { formatFailoverReport, runRegionFailover } from "../support/regionFailover";

const COPY_INTERVAL_MS = 250;

test("region A dies whole: all its sessions resume in region B with their conversation, 0 lost", async () => {
  const report = await runRegionFailover(
    { sessions: 12, turnsBeforeKill: 3, turnsAfter: 2 },
    { inline: true, copyIntervalMs: COPY_INTERVAL_MS, replication: process.env.REGIONS_TEST_NO_REPLICATION !== "1" },
  );
  console.log(formatFailoverReport(report));
  expect(report.details.filter((d) => d.includes("session lost"))).toEqual([]);
  expect(report.sessionsLost).toBe(0);
  expect(report.resumedInB).toBe(12);
  expect(report.resumes).toBe(12);
  // The conversation: only what was sent within the last copy interval and lag before the kill may be
  // missing, i.e. at most the last turn of a session (turns here are ~1 s apart).
  expect(report.notesBeforeKill).toBeGreaterThanOrEqual(12 * 3);
  expect(report.turnsLost).toBeLessThanOrEqual(12);
  expect(report.rpoObservedMs).toBeLessThan(2_000);
  expect(report.answersPrimedInB).toBeGreaterThan(0);
}, 90_000);
