/**
 * A bounded, mergeable histogram of durations in microseconds: exact below 64 µs, then 64 linear
 * sub-buckets per power of two (every value lands in a bucket at most 1/64 ≈ 1.6% wide). A bench run
 * records millions of one-way delays; keeping them all would cost more memory and time than the hop
 * under test, so every process records here and the histograms travel (sparse) over IPC and merge.
 */

const SUB_BUCKETS = 64;
const SUB_BITS = 6; // log2(SUB_BUCKETS)
/** Values at or above 2^40 µs (about 12 days) are clamped into the last bucket. */
const MAX_EXPONENT = 40;
const BUCKETS = SUB_BUCKETS + (MAX_EXPONENT - SUB_BITS + 1) * SUB_BUCKETS;

/** Bucket of a value in µs (non-negative integer). */
export function bucketOf(micros: number): number {
  if (micros < SUB_BUCKETS) return micros;
  const exponent = Math.min(Math.floor(Math.log2(micros)), MAX_EXPONENT);
  if (exponent === MAX_EXPONENT) return BUCKETS - 1;
  const sub = Math.floor(micros / 2 ** (exponent - SUB_BITS)) - SUB_BUCKETS;
  return SUB_BUCKETS + (exponent - SUB_BITS) * SUB_BUCKETS + sub;
}

/** Largest value (µs) that falls in a bucket: a percentile is reported as this, never below the truth. */
export function bucketUpperBound(bucket: number): number {
  if (bucket < SUB_BUCKETS) return bucket;
  const exponent = Math.floor((bucket - SUB_BUCKETS) / SUB_BUCKETS) + SUB_BITS;
  const sub = (bucket - SUB_BUCKETS) % SUB_BUCKETS;
  const width = 2 ** (exponent - SUB_BITS);
  return (SUB_BUCKETS + sub + 1) * width - 1;
}

/** What crosses process boundaries: [bucket, count] pairs plus the exact extremes. */
export interface HistogramData {
  counts: Array<[number, number]>;
  total: number;
  min: number;
  max: number;
  sum: number;
  /** Values below zero: for one-way delays, a sign that the sender's and receiver's clocks differ. */
  negative: number;
}

export class Histogram {
  private readonly counts = new Float64Array(BUCKETS);
  total = 0;
  min = Infinity;
  max = -Infinity;
  sum = 0;
  negative = 0;

  /** Records a duration in µs (fractions are rounded down into their bucket; the extremes stay exact). */
  record(micros: number): void {
    if (!Number.isFinite(micros)) return;
    if (micros < 0) {
      this.negative++;
      return;
    }
    this.counts[bucketOf(Math.floor(micros))]++;
    this.total++;
    this.sum += micros;
    if (micros < this.min) this.min = micros;
    if (micros > this.max) this.max = micros;
  }

  /**
   * The value (µs) at or below which `p` percent of the recorded values lie: the upper bound of the
   * bucket holding that rank, capped at the exact maximum. Undefined when nothing was recorded.
   */
  percentile(p: number): number | undefined {
    if (this.total === 0) return undefined;
    const rank = Math.max(1, Math.ceil((Math.min(Math.max(p, 0), 100) / 100) * this.total));
    let seen = 0;
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      seen += this.counts[bucket];
      if (seen >= rank) return Math.min(bucketUpperBound(bucket), this.max);
    }
    return this.max;
  }

  mean(): number | undefined {
    return this.total === 0 ? undefined : this.sum / this.total;
  }

  merge(other: Histogram | HistogramData): this {
    const data = other instanceof Histogram ? other.toData() : other;
    for (const [bucket, count] of data.counts) this.counts[bucket] += count;
    this.total += data.total;
    this.sum += data.sum;
    this.negative += data.negative;
    if (data.total > 0) {
      this.min = Math.min(this.min, data.min);
      this.max = Math.max(this.max, data.max);
    }
    return this;
  }

  toData(): HistogramData {
    const counts: Array<[number, number]> = [];
    for (let bucket = 0; bucket < BUCKETS; bucket++) if (this.counts[bucket] > 0) counts.push([bucket, this.counts[bucket]]);
    return { counts, total: this.total, min: this.total ? this.min : 0, max: this.total ? this.max : 0, sum: this.sum, negative: this.negative };
  }

  static from(data: HistogramData): Histogram {
    return new Histogram().merge(data);
  }
}
