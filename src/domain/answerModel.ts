/**
 * The best-time-to-call model (docs/best-time.md): the chance that a call is answered by a person, from when it is
 * placed in the contact's own time (the hour of the week in its zone), the contact's region, the attempt number and
 * the last outcome. No personal attributes, no number.
 *
 * A main-effects model on the log-odds scale: each feature level's effect is its answer rate against the base rate,
 * smoothed toward the base by a prior worth `priorCalls` calls (a level with few calls says little), the hours of the
 * week first pooled with their neighbours (an hour is rarely unlike the next) and each smoothed toward the same hour
 * of the day on weekdays or at weekends (a Tuesday 19:00 is much like a Monday 19:00), itself smoothed toward the base:
 * a week of calls is not needed before the evenings stand out. It trains from counts (the SQL
 * aggregates of a window of attempts) in milliseconds and scores a contact in a few microseconds. Thompson sampling
 * draws each hour's rate from its Beta posterior instead of taking its mean, so hours with few calls are still tried
 * and the model keeps learning them; the other effects stay at their means.
 *
 * Pure: no I/O, no clock, randomness given by the caller (src/lib/random.ts).
 */
import { localTime, type Weekday } from './callingHours.ts';
import { type HeldOutMetrics, heldOutMetrics } from './modelMetrics.ts';

export type { HeldOutMetrics };

/** Outcomes a previous attempt can have had that leave the contact open (the others end it). */
export type LastOutcome = 'none' | 'busy' | 'no_answer' | 'machine' | 'failed';

/** What the model knows of one call: when (in the contact's time), where, which attempt, after what. */
export interface CallFeatures {
  /** 0 (Monday 00:00-00:59) to 167 (Sunday 23:00-23:59), in the contact's zone. */
  hourOfWeek: number;
  /** ISO country, or country-subdivision (`US-NY`) where the rules know it. */
  region: string;
  attempt: number;
  lastOutcome: LastOutcome;
}

/** Calls and calls answered by a person, for one combination of features (one row of the training aggregate). */
export interface AnswerCounts extends CallFeatures {
  calls: number;
  answered: number;
}

export interface AnswerModel {
  /** Immutable: a new training is a new version. */
  version: string;
  trainedAt: string;
  /** The calls it learned from: placed from `from` (inclusive) to `to` (exclusive). */
  window: { from: string; to: string };
  /** Calls of the fit that was judged, and held-out calls it was judged on (the model kept learned from both). */
  rows: { trainingCalls: number; heldOutCalls: number };
  baseRate: number;
  /** Pooled counts of each hour of the week (168): the Beta posterior of its rate, for Thompson sampling. */
  hours: Array<{ calls: number; answered: number }>;
  /** Pooled counts of each hour of the day on weekdays (0-23) and at weekends (24-47): the hours' prior. */
  dayHours: Array<{ calls: number; answered: number }>;
  /** Log-odds effects against the base rate. */
  effects: {
    region: Record<string, number>;
    attempt: Record<string, number>;
    lastOutcome: Record<string, number>;
  };
  priorCalls: number;
  metrics: HeldOutMetrics;
}

export const HOURS_OF_WEEK = 168;
const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
/** Weights of an hour and its neighbours when pooling (the hour itself, one either side). */
const NEIGHBOURS = [0.25, 0.5, 0.25] as const;
/** Rates are kept inside (EPSILON, 1 - EPSILON): a log loss stays finite, a logit defined. */
const EPSILON = 1e-4;

const clamp = (p: number) => Math.min(1 - EPSILON, Math.max(EPSILON, p));
const logit = (p: number) => Math.log(clamp(p) / (1 - clamp(p)));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** The hour of the week of `instant` in `zone`. */
export function hourOfWeek(instant: Date, zone: string): number {
  const local = localTime(instant, zone);
  return WEEKDAYS.indexOf(local.day) * 24 + Math.floor(local.minute / 60);
}

/** Attempts 3 and later are one level: few contacts get there. */
export const attemptLevel = (attempt: number): string => (attempt >= 3 ? '3+' : String(attempt));

function sum<T>(rows: readonly T[], value: (row: T) => number): number {
  let total = 0;
  for (const row of rows) total += value(row);
  return total;
}

/** Each level's effect: its rate shrunk toward the base by `priorCalls` calls at the base rate, as log-odds. */
function effectsOf(
  counts: readonly AnswerCounts[],
  level: (row: AnswerCounts) => string,
  baseRate: number,
  priorCalls: number,
): Record<string, number> {
  const totals = new Map<string, { calls: number; answered: number }>();
  for (const row of counts) {
    const key = level(row);
    const total = totals.get(key) ?? { calls: 0, answered: 0 };
    total.calls += row.calls;
    total.answered += row.answered;
    totals.set(key, total);
  }
  const effects: Record<string, number> = {};
  for (const [key, { calls, answered }] of totals) {
    effects[key] = logit((answered + priorCalls * baseRate) / (calls + priorCalls)) - logit(baseRate);
  }
  return effects;
}

type Counts = { calls: number; answered: number };

/**
 * Counts by bucket (`bucketOf` a row's hour of the week), each pooled with its neighbours (`near(bucket, step)`, the
 * step -1, 0 or +1) by the weights above.
 */
function pooled(
  counts: readonly AnswerCounts[],
  buckets: number,
  bucketOf: (hourOfWeek: number) => number,
  near: (bucket: number, step: number) => number,
): Counts[] {
  const raw = Array.from({ length: buckets }, () => ({ calls: 0, answered: 0 }));
  for (const row of counts) {
    const bucket = raw[bucketOf(row.hourOfWeek)];
    if (bucket === undefined) continue;
    bucket.calls += row.calls;
    bucket.answered += row.answered;
  }
  return raw.map((_, b) => {
    let calls = 0;
    let answered = 0;
    NEIGHBOURS.forEach((weight, i) => {
      const neighbour = raw[near(b, i - 1)] as Counts;
      calls += weight * neighbour.calls;
      answered += weight * neighbour.answered;
    });
    return { calls, answered };
  });
}

/** Each hour of the week pooled with its neighbours (the week wraps: Sunday 23:00 is next to Monday 00:00). */
const pooledHours = (counts: readonly AnswerCounts[]) =>
  pooled(
    counts,
    HOURS_OF_WEEK,
    (h) => h,
    (h, step) => (h + step + HOURS_OF_WEEK) % HOURS_OF_WEEK,
  );

/** Hours of the week 0-119 are weekdays, 120-167 the weekend; the hour of the day on that kind of day (0-47). */
const dayHourOf = (hourOfWeek: number) => (hourOfWeek >= 120 ? 24 : 0) + (hourOfWeek % 24);

/** Each hour of the day on weekdays and at weekends, pooled the same way (each kind of day wraps on itself). */
const pooledDayHours = (counts: readonly AnswerCounts[]) =>
  pooled(counts, 48, dayHourOf, (h, step) => (h < 24 ? 0 : 24) + (((h % 24) + step + 24) % 24));

/** The Beta posterior of the hour's rate: its pooled counts with the prior. */
function hourPosterior(
  model: Pick<AnswerModel, 'hours' | 'dayHours' | 'baseRate' | 'priorCalls'>,
  hour: number,
): { alpha: number; beta: number } {
  const counts = model.hours[hour] ?? { calls: 0, answered: 0 };
  const day = model.dayHours[dayHourOf(hour)] ?? { calls: 0, answered: 0 };
  // The prior: the same hour on that kind of day, itself shrunk toward the base rate.
  const prior = (day.answered + model.priorCalls * model.baseRate) / (day.calls + model.priorCalls);
  return {
    alpha: counts.answered + model.priorCalls * prior,
    beta: counts.calls - counts.answered + model.priorCalls * (1 - prior),
  };
}

function logOdds(
  model: Omit<AnswerModel, 'metrics' | 'rows'>,
  features: CallFeatures,
  hourRate: number,
): number {
  return (
    logit(hourRate) +
    (model.effects.region[features.region] ?? 0) +
    (model.effects.attempt[attemptLevel(features.attempt)] ?? 0) +
    (model.effects.lastOutcome[features.lastOutcome] ?? 0)
  );
}

/** The chance a call with these features is answered by a person (the posterior means). */
export function answerChance(model: Omit<AnswerModel, 'metrics' | 'rows'>, features: CallFeatures): number {
  const { alpha, beta } = hourPosterior(model, features.hourOfWeek);
  return sigmoid(logOdds(model, features, alpha / (alpha + beta)));
}

/**
 * Thompson sampling's view of the model for one decision (a tick): each hour's rate drawn once from its posterior,
 * when first asked, and kept, so hours seldom tried are sometimes seen at their best and get tried. The chances of
 * calls with any features, read with those draws.
 */
export function sampledChances(
  model: Omit<AnswerModel, 'metrics' | 'rows'>,
  draw: (alpha: number, beta: number) => number,
): (features: CallFeatures) => number {
  const rates = new Map<number, number>();
  return (features) => {
    let rate = rates.get(features.hourOfWeek);
    if (rate === undefined) {
      const { alpha, beta } = hourPosterior(model, features.hourOfWeek);
      rate = draw(alpha, beta);
      rates.set(features.hourOfWeek, rate);
    }
    return sigmoid(logOdds(model, features, rate));
  };
}

/** The model's parameters fitted on `counts`. */
function fitted(
  counts: readonly AnswerCounts[],
  about: { version: string; trainedAt: Date; window: { from: Date; to: Date } },
  priorCalls: number,
): Omit<AnswerModel, 'metrics' | 'rows'> {
  const calls = sum(counts, (row) => row.calls);
  const baseRate = clamp(calls === 0 ? 0.5 : sum(counts, (row) => row.answered) / calls);
  return {
    version: about.version,
    trainedAt: about.trainedAt.toISOString(),
    window: { from: about.window.from.toISOString(), to: about.window.to.toISOString() },
    baseRate,
    hours: pooledHours(counts),
    dayHours: pooledDayHours(counts),
    effects: {
      region: effectsOf(counts, (row) => row.region, baseRate, priorCalls),
      attempt: effectsOf(counts, (row) => attemptLevel(row.attempt), baseRate, priorCalls),
      lastOutcome: effectsOf(counts, (row) => row.lastOutcome, baseRate, priorCalls),
    },
    priorCalls,
  };
}

/**
 * Fits on `training` and measures on `heldOut` (the most recent calls of the window, never seen by that fit); once
 * judged, the model kept is fitted again on both. The held-out calls are the freshest, and a model in use should
 * know them (an owner's first week of calls would otherwise never be learned from until it is a week old); its
 * metrics are those of the same fit on the calls before them. `priorCalls` is how many calls at the base rate each
 * level's rate starts from.
 */
export function trainAnswerModel(
  training: readonly AnswerCounts[],
  heldOut: readonly AnswerCounts[],
  about: { version: string; trainedAt: Date; window: { from: Date; to: Date }; priorCalls?: number },
): AnswerModel {
  const priorCalls = about.priorCalls ?? 50;
  const judged = fitted(training, about, priorCalls);
  const metrics = heldOutMetrics(
    heldOut.map((row) => ({ ...row, p: answerChance(judged, row) })),
    judged.baseRate,
  );
  return {
    ...fitted([...training, ...heldOut], about, priorCalls),
    rows: {
      trainingCalls: sum(training, (row) => row.calls),
      heldOutCalls: sum(heldOut, (row) => row.calls),
    },
    metrics,
  };
}

/**
 * The model before any call of the owner is known: every hour at the same prior. Its draws (Thompson sampling) spread
 * a campaign's calls over its lawful hours at random, so the owner's first training has every hour to learn from,
 * not only the ones a campaign without the model reaches first.
 */
export const UNINFORMED_MODEL: AnswerModel = trainAnswerModel([], [], {
  version: 'prior',
  trainedAt: new Date(0),
  window: { from: new Date(0), to: new Date(0) },
});

/** The least held-out calls a model is judged on: fewer say nothing of it. */
export const MIN_HELD_OUT_CALLS = 500;

/** Whether a model may be used: it predicts held-out calls better than the base rate does, on enough of them. */
export function promotable(model: AnswerModel): { promote: boolean; reason: string } {
  const { calls, logLoss, baseLogLoss, auc } = model.metrics;
  if (calls < MIN_HELD_OUT_CALLS)
    return { promote: false, reason: `only ${calls} held-out calls (at least ${MIN_HELD_OUT_CALLS} needed)` };
  if (logLoss >= baseLogLoss)
    return {
      promote: false,
      reason: `held-out log loss ${logLoss.toFixed(4)} is not below the base rate's ${baseLogLoss.toFixed(4)}`,
    };
  return {
    promote: true,
    reason: `held-out log loss ${logLoss.toFixed(4)} below the base rate's ${baseLogLoss.toFixed(4)}, AUC ${auc.toFixed(3)}`,
  };
}
