/**
 * A campaign's metrics over a window of time (GET /campaigns/{id}/metrics, the dashboard's tiles and chart), from its
 * activity in 15-minute buckets (campaign_activity, kept by the database as attempts change): the window and its
 * buckets, the series, and each period's figures beside the period before it.
 */
import { ValidationError } from '../lib/errors.ts';

/** The activity of one 15-minute bucket, or of any sum of them. */
export interface ActivityCounts {
  /** Calls placed (sent to the telephony side). */
  dials: number;
  /** Calls placed as a contact's first attempt: contacts reached for the first time. */
  firstDials: number;
  /** Attempts not placed because the number is on the do-not-call list (or opted out with the owner). */
  dncSkips: number;
  answered: number;
  machine: number;
  busy: number;
  noAnswer: number;
  failed: number;
  invalidNumber: number;
  optOuts: number;
}

export const NO_ACTIVITY: ActivityCounts = {
  dials: 0,
  firstDials: 0,
  dncSkips: 0,
  answered: 0,
  machine: 0,
  busy: 0,
  noAnswer: 0,
  failed: 0,
  invalidNumber: 0,
  optOuts: 0,
};

const COUNT_KEYS = Object.keys(NO_ACTIVITY) as Array<keyof ActivityCounts>;

export function addCounts(a: ActivityCounts, b: ActivityCounts): ActivityCounts {
  const sum = { ...a };
  for (const key of COUNT_KEYS) sum[key] = a[key] + b[key];
  return sum;
}

/** The buckets the route answers in; every one a whole number of the stored 15-minute buckets, aligned in UTC. */
export const BUCKET_MINUTES = { '15m': 15, '1h': 60, '1d': 1440 } as const;
export type BucketSize = keyof typeof BUCKET_MINUTES;
export const STORED_BUCKET_MS = 15 * 60_000;
/** At most this many buckets in one answer. */
export const MAX_BUCKETS = 1000;

export interface MetricsWindow {
  from: Date;
  to: Date;
  bucket: BucketSize;
  /** The window before it, as long. */
  previousFrom: Date;
  /** The end of what has happened in the window: `to`, or now when the window runs into the future. */
  elapsedTo: Date;
}

function instant(name: string, text: string): Date {
  const at = new Date(text);
  if (Number.isNaN(at.getTime()))
    throw new ValidationError(`${name} is not a date and time (ISO 8601): ${text}`);
  return at;
}

/**
 * The window a request asks for: `from` rounded down and `to` rounded up to whole buckets (by default the last 24
 * hours to the end of the current bucket, in 15-minute buckets).
 */
export function metricsWindow(
  query: { from?: string; to?: string; bucket?: string },
  now: Date,
): MetricsWindow {
  const bucket = query.bucket ?? '15m';
  if (!Object.hasOwn(BUCKET_MINUTES, bucket))
    throw new ValidationError(`bucket must be one of ${Object.keys(BUCKET_MINUTES).join(', ')}`);
  const size = BUCKET_MINUTES[bucket as BucketSize] * 60_000;
  const toAsked = query.to === undefined ? now : instant('to', query.to);
  const to = new Date(Math.ceil(toAsked.getTime() / size) * size);
  const fromAsked =
    query.from === undefined ? new Date(to.getTime() - 86_400_000) : instant('from', query.from);
  const from = new Date(Math.floor(fromAsked.getTime() / size) * size);
  if (from >= to) throw new ValidationError('from must be before to');
  const buckets = (to.getTime() - from.getTime()) / size;
  if (buckets > MAX_BUCKETS)
    throw new ValidationError(
      `The window holds ${buckets} buckets of ${bucket}; at most ${MAX_BUCKETS}: ask for a larger bucket or a shorter window`,
    );
  return {
    from,
    to,
    bucket: bucket as BucketSize,
    previousFrom: new Date(from.getTime() - (to.getTime() - from.getTime())),
    elapsedTo: new Date(Math.max(from.getTime(), Math.min(to.getTime(), now.getTime()))),
  };
}

export interface PeriodFigures extends ActivityCounts {
  /** Calls placed per minute over the period (the part of it that has happened). */
  dialsPerMinute: number;
  /** Results in the period: calls that ended, with any outcome. */
  results: number;
  /** Of the results, answered by someone or something (a person or a machine); null without results. */
  answerRate: number | null;
  /** Of the results, answered by a person: the right-party contact rate; null without results. */
  rightPartyRate: number | null;
  /** Calls placed per contact reached, counting everything up to the period's end. */
  attemptsPerContact: number | null;
  /** Contacts reached at least once up to the period's end, of the campaign's contacts. */
  penetration: number | null;
}

const ratio = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

/** A period's figures: its counts, and the running totals up to its end for the campaign-long ratios. */
export function periodFigures(
  counts: ActivityCounts,
  untilEnd: ActivityCounts,
  minutes: number,
  contacts: number,
): PeriodFigures {
  const results =
    counts.answered + counts.machine + counts.busy + counts.noAnswer + counts.failed + counts.invalidNumber;
  return {
    ...counts,
    dialsPerMinute: counts.dials / minutes,
    results,
    answerRate: ratio(counts.answered + counts.machine, results),
    rightPartyRate: ratio(counts.answered, results),
    attemptsPerContact: ratio(untilEnd.dials, untilEnd.firstDials),
    penetration: ratio(untilEnd.firstDials, contacts),
  };
}

export interface StoredBucket extends ActivityCounts {
  start: Date;
}

export interface CampaignMetrics {
  from: string;
  to: string;
  bucket: BucketSize;
  /** One entry per bucket of the window, empty ones included. */
  series: Array<{ from: string } & ActivityCounts>;
  period: PeriodFigures;
  /** The window before, as long: what the period is compared with. */
  previous: PeriodFigures;
}

/**
 * The metrics of a window from the stored buckets of it and of the window before (`rows`), and the totals of
 * everything before the previous window (`before`).
 */
export function campaignMetrics(
  window: MetricsWindow,
  rows: readonly StoredBucket[],
  before: ActivityCounts,
  contacts: number,
): CampaignMetrics {
  const size = BUCKET_MINUTES[window.bucket] * 60_000;
  const from = window.from.getTime();
  const count = (window.to.getTime() - from) / size;
  const series = Array.from({ length: count }, () => NO_ACTIVITY);
  let previous = NO_ACTIVITY;
  let period = NO_ACTIVITY;
  for (const row of rows) {
    const at = row.start.getTime();
    if (at < from) {
      previous = addCounts(previous, row);
      continue;
    }
    const index = Math.floor((at - from) / size);
    const slot = series[index];
    if (slot === undefined) continue;
    series[index] = addCounts(slot, row);
    period = addCounts(period, row);
  }
  const minutes = (window.to.getTime() - from) / 60_000;
  const elapsed = Math.max(1, (window.elapsedTo.getTime() - from) / 60_000);
  const untilPrevious = addCounts(before, previous);
  return {
    from: window.from.toISOString(),
    to: window.to.toISOString(),
    bucket: window.bucket,
    series: series.map((counts, i) => ({ from: new Date(from + i * size).toISOString(), ...counts })),
    period: periodFigures(period, addCounts(untilPrevious, period), elapsed, contacts),
    previous: periodFigures(previous, untilPrevious, minutes, contacts),
  };
}
