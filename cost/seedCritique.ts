/**
 * The seed (part 7 of the series this product started from) printed cost figures that its own method
 * does not give. With the seed's catalog, the estimator prints each printed figure next to the
 * figure its method gives, so the difference can be checked by hand (docs/cost-model.md).
 */
import type { Catalog } from "./catalog";
import { sessionCost, sessionParams } from "./session";

const usd = (x: number) => `$${x.toFixed(x < 1 ? 4 : 2)}`;

/** The seed's printed figures next to what its own method gives (part 7's tables). */
export const SEED_PRINTED = {
  perHour: 0.34,
  perMinuteAudioIn: 0.06,
  perMinuteAudioOut: 0.12,
  /** "1 PTU for GPT-4o Realtime, 1-month commitment": no realtime model can be provisioned (PTU-DOC, 2026-03-20). */
  ptuMonthly: 2160,
  table: [
    { interviewsPerDay: 100, daily: 1.7, monthly: 51 },
    { interviewsPerDay: 500, daily: 8.5, monthly: 255 },
    { interviewsPerDay: 1000, daily: 17, monthly: 510 },
    { interviewsPerDay: 5000, daily: 85, monthly: 2550 },
  ],
  totals: [
    { interviewsPerDay: 500, api: 255, infrastructure: 225, total: 480, perInterview: 0.032 },
    { interviewsPerDay: 1000, api: 510, infrastructure: 225, total: 735, perInterview: 0.025 },
    { interviewsPerDay: 5000, api: 2550, infrastructure: 450, total: 3000, perInterview: 0.02 },
  ],
};

export function seedDiscrepancies(catalog: Catalog): string[] {
  const hour = sessionCost(catalog, sessionParams(catalog, 60));
  const half = sessionCost(catalog, sessionParams(catalog, 30));
  const minuteIn = (catalog.model.audioInputTokensPerMinute * catalog.prices.audioInput.value) / 1e6;
  const minuteOut = (catalog.model.audioOutputTokensPerMinute * catalog.prices.audioOutput.value) / 1e6;
  const notes = [
    `seed: "$0.40 per 1M audio input tokens (~$${SEED_PRINTED.perMinuteAudioIn}/minute)": at ${catalog.model.audioInputTokensPerMinute} tokens/min that is ${usd(minuteIn)}/minute, not $${SEED_PRINTED.perMinuteAudioIn}`,
    `seed: "$0.80 per 1M audio output tokens (~$${SEED_PRINTED.perMinuteAudioOut}/minute)": at ${catalog.model.audioOutputTokensPerMinute} tokens/min that is ${usd(minuteOut)}/minute, not $${SEED_PRINTED.perMinuteAudioOut}`,
    `seed: per hour printed $${SEED_PRINTED.perHour}, its own method gives ${usd(hour.total)}`,
    `seed: audio token rates 1,500 in / 1,200 out per minute; Microsoft documents ~600 in / ~1,200 out (10 and 20 tokens/s of speech)`,
  ];
  for (const row of SEED_PRINTED.table) {
    const daily = half.total * row.interviewsPerDay;
    notes.push(`seed: ${row.interviewsPerDay} interviews/day x 30 min printed $${row.daily.toFixed(2)}/day and $${row.monthly}/month; its own method gives ${usd(daily)}/day and ${usd(daily * catalog.daysPerMonth)}/month (${(daily / row.daily).toFixed(1)}x)`);
  }
  for (const row of SEED_PRINTED.totals) {
    const api = half.total * row.interviewsPerDay * catalog.daysPerMonth;
    const total = api + row.infrastructure;
    const perInterview = total / (row.interviewsPerDay * catalog.daysPerMonth);
    notes.push(`seed: total at ${row.interviewsPerDay}/day printed $${row.total} ($${row.perInterview}/interview); with its own API method ${usd(total)} (${usd(perInterview)}/interview)`);
  }
  notes.push("seed: infrastructure doubles from $225 to $450 at 5,000/day with no sizing behind it; 5,000 x 30 min in 10 busy hours at a peak factor of 2 is ~500 concurrent sessions = 10 replicas at 50 each");
  notes.push(`seed: "At 1,000 interviews/day, PTU breaks even": with its own method 1,000/day costs ${usd(half.total * 1000 * catalog.daysPerMonth)}/month of API, so 1 PTU at $${SEED_PRINTED.ptuMonthly.toLocaleString("en-US")} would break even at ${Math.round(SEED_PRINTED.ptuMonthly / half.total / catalog.daysPerMonth)} interviews/day; but no realtime model can be provisioned (Microsoft's PTU model list, 2026-03-20), so there is no PTU to buy`);
  return notes;
}
