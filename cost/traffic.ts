/**
 * When interviews happen: a day's arrival curve and the randomness around it. Interviews start during
 * `busyHoursPerDay` business hours; the busiest hour carries `peakHourFactor` times the mean busy-hour
 * rate. Starts within a minute are a Poisson process around that curve, so open sessions at any moment
 * are Poisson distributed around their mean (an M/G/infinity queue: mean = arrivals over the last
 * `minutesPerInterview` minutes). Pure; used by the capacity plan and the scaling simulation.
 */

export const DEFAULT_PEAK_HOUR_FACTOR = 2;
export const DEFAULT_BUSY_HOURS_PER_DAY = 10;
/** Business hours start at 08:00 (local time of the stack's users). */
export const DEFAULT_BUSY_START_HOUR = 8;
export const MINUTES_PER_DAY = 24 * 60;

export interface DayProfile {
  interviewsPerDay: number;
  busyHoursPerDay?: number;
  peakHourFactor?: number;
  busyStartHour?: number;
}

/**
 * Expected interview starts in each minute of the day (1,440 values summing to interviewsPerDay). Inside
 * the busy window the rate follows sin(pi t / B)^m, with m chosen so that the busiest hour's rate is
 * `peakHourFactor` times the window's mean (m = 0: flat, every busy hour alike); outside it, nothing.
 */
export function arrivalsPerMinute(profile: DayProfile): number[] {
  const busyHours = profile.busyHoursPerDay ?? DEFAULT_BUSY_HOURS_PER_DAY;
  const peakFactor = profile.peakHourFactor ?? DEFAULT_PEAK_HOUR_FACTOR;
  const start = profile.busyStartHour ?? DEFAULT_BUSY_START_HOUR;
  if (!(profile.interviewsPerDay >= 0)) throw new RangeError(`interviewsPerDay must be >= 0, got ${profile.interviewsPerDay}`);
  if (!(busyHours > 0 && busyHours <= 24)) throw new RangeError(`busyHoursPerDay must be in (0, 24], got ${busyHours}`);
  if (!(peakFactor >= 1 && peakFactor <= busyHours)) throw new RangeError(`peakHourFactor must be in [1, busyHoursPerDay], got ${peakFactor}`);
  const window = Math.round(busyHours * 60);
  const exponent = shapeExponent(window, peakFactor);
  const shape = Array.from({ length: window }, (_, i) => Math.sin((Math.PI * (i + 0.5)) / window) ** exponent);
  const total = shape.reduce((a, b) => a + b, 0);
  const day = new Array<number>(MINUTES_PER_DAY).fill(0);
  const first = Math.round(start * 60);
  shape.forEach((s, i) => {
    day[(first + i) % MINUTES_PER_DAY] += (profile.interviewsPerDay * s) / total;
  });
  return day;
}

/** The busiest hour's mean rate over the window's mean rate, for a shape exponent (on the minute grid). */
function hourPeakRatio(window: number, exponent: number): number {
  const shape = Array.from({ length: window }, (_, i) => Math.sin((Math.PI * (i + 0.5)) / window) ** exponent);
  const mean = shape.reduce((a, b) => a + b, 0) / window;
  const hour = Math.min(60, window);
  let best = 0;
  for (let i = 0; i + hour <= window; i++) {
    let sum = 0;
    for (let j = i; j < i + hour; j++) sum += shape[j];
    best = Math.max(best, sum / hour);
  }
  return best / mean;
}

/** Shape exponents already found, by window and factor: the bisection is the costly part of a curve. */
const exponents = new Map<string, number>();

function shapeExponent(window: number, peakFactor: number): number {
  if (peakFactor <= 1) return 0;
  const key = `${window}:${peakFactor}`;
  const known = exponents.get(key);
  if (known !== undefined) return known;
  const found = bisectExponent(window, peakFactor);
  if (exponents.size >= 64) exponents.clear(); // bounded: a handful of profiles are ever used
  exponents.set(key, found);
  return found;
}

function bisectExponent(window: number, peakFactor: number): number {
  let low = 0;
  let high = 1;
  while (hourPeakRatio(window, high) < peakFactor && high < 1e4) high *= 2;
  for (let i = 0; i < 50; i++) {
    const mid = (low + high) / 2;
    if (hourPeakRatio(window, mid) < peakFactor) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

/** Mean open sessions at the end of each minute: starts in the last `minutesPerInterview` minutes (wrapping midnight). */
export function meanOpenSessions(arrivals: number[], minutesPerInterview: number): number[] {
  const n = arrivals.length;
  const whole = Math.floor(minutesPerInterview);
  const part = minutesPerInterview - whole;
  return arrivals.map((_, t) => {
    let sum = 0;
    for (let k = 0; k < whole; k++) sum += arrivals[(t - k + n * 2) % n];
    if (part > 0) sum += part * arrivals[(t - whole + n * 2) % n];
    return sum;
  });
}

/** The smallest k with P(X <= k) >= p for X ~ Poisson(mean). Exact summation in log space (any mean). */
export function poissonQuantile(mean: number, p: number): number {
  if (!(mean >= 0)) throw new RangeError(`mean must be >= 0, got ${mean}`);
  if (!(p > 0 && p < 1)) throw new RangeError(`p must be in (0, 1), got ${p}`);
  if (mean === 0) return 0;
  const target = Math.log(p);
  let logPk = -mean;
  let logCdf = logPk;
  let k = 0;
  const limit = mean + 40 * Math.sqrt(mean) + 100;
  while (logCdf < target && k < limit) {
    k++;
    logPk += Math.log(mean) - Math.log(k);
    logCdf = logCdf + Math.log1p(Math.exp(logPk - logCdf));
  }
  return k;
}

export interface PeakConcurrency {
  /** The highest mean of open sessions over the day. */
  mean: number;
  /** The `percentile` of open sessions at that moment. */
  atPercentile: number;
  percentile: number;
  /** Minute of the day of the peak. */
  minuteOfDay: number;
}

/** Open sessions at the day's busiest moment: its mean and a percentile of the Poisson spread around it. */
export function peakConcurrency(profile: DayProfile, minutesPerInterview: number, percentile = 99): PeakConcurrency {
  const open = meanOpenSessions(arrivalsPerMinute(profile), minutesPerInterview);
  let minuteOfDay = 0;
  for (let t = 1; t < open.length; t++) if (open[t] > open[minuteOfDay]) minuteOfDay = t;
  const mean = open[minuteOfDay];
  return { mean, atPercentile: poissonQuantile(mean, percentile / 100), percentile, minuteOfDay };
}

/** One interview length and the share of interviews that run that long. */
export interface DurationShare {
  minutes: number;
  share: number;
}

/**
 * Peak concurrency when interviews run different lengths: open sessions are the sum of each length's
 * open sessions (an M/G/infinity queue: still Poisson, with the mixture's mean), so the percentile is
 * taken of the summed mean at its busiest minute.
 */
export function peakConcurrencyForDurations(profile: DayProfile, durations: DurationShare[], percentile = 99): PeakConcurrency {
  if (durations.length === 0) throw new RangeError("at least one interview length is needed");
  const arrivals = arrivalsPerMinute(profile);
  const open = new Array<number>(arrivals.length).fill(0);
  for (const d of durations) {
    if (!(d.minutes > 0) || !(d.share >= 0)) throw new RangeError(`bad interview length ${JSON.stringify(d)}`);
    meanOpenSessions(arrivals, d.minutes).forEach((x, t) => (open[t] += d.share * x));
  }
  let minuteOfDay = 0;
  for (let t = 1; t < open.length; t++) if (open[t] > open[minuteOfDay]) minuteOfDay = t;
  const mean = open[minuteOfDay];
  return { mean, atPercentile: poissonQuantile(mean, percentile / 100), percentile, minuteOfDay };
}
