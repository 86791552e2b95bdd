/**
 * Best time to call in a tick (docs/best-time.md): the contacts a tick may call now (all inside their hours: the
 * calling rules decided that before) ordered by their drawn chance of being answered now, highest first, so a tick's
 * budget goes to the people most likely to pick up at this hour. A stable share of each campaign's contacts (the
 * control arm, by a hash of campaign and contact) keeps the order a campaign without the model has, so the model's
 * uplift is measured, not assumed. The two arms share the budget by their sizes.
 */
import {
  type AnswerModel,
  hourOfWeek,
  type LastOutcome,
  sampledChances,
  UNINFORMED_MODEL,
} from './answerModel.ts';
import { holdPlanner } from './bestTimeHold.ts';
import type { BestTimeSettings } from './campaignSettings.ts';
import type { ActiveCampaign } from './schedule.ts';
import type { Callable, ReleaseOrder } from './schedulePlan.ts';

/**
 * 32-bit FNV-1a with MurmurHash3's finaliser: a stable hash, the same on every invocation and machine. The finaliser
 * matters: FNV-1a alone barely moves its high bits for ids that differ in their last characters (contact-1,
 * contact-2, ...), and the arm is read from the high bits.
 */
function stableHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** Whether the contact is in its campaign's control arm (stable for the campaign's life). */
export function inControlArm(campaignId: string, contactId: string, controlShare: number): boolean {
  return stableHash(`${campaignId}:${contactId}`) / 2 ** 32 < controlShare;
}

/** The zone whose local time the model reads: the first of the contact's zones, in code-unit order (as training). */
export const primaryZone = (zones: readonly string[]): string | undefined => [...zones].sort()[0];

/** The region the model reads: the most precise the rules know (`US-NY`), else the country. */
export const regionOf = (callable: Callable): string =>
  callable.hours.regions[0] ?? callable.hours.countries[0] ?? '?';

const OPEN_OUTCOMES: ReadonlySet<string> = new Set(['busy', 'no_answer', 'machine', 'failed']);

export function lastOutcomeOf(callable: Callable): LastOutcome {
  const outcome = callable.contact.latest?.outcome;
  return outcome && OPEN_OUTCOMES.has(outcome) ? (outcome as LastOutcome) : 'none';
}

const latestOf = (a: Date | null, b: Date | null): Date | null =>
  a === null ? b : b === null ? a : a > b ? a : b;

/** What a tick's inference did, for its trace: never a number or an attribute. */
export interface InferenceSummary {
  scored: number;
  arms: { model: number; control: number };
  /** Model-arm contacts held for a better hour later (docs/best-time.md). */
  held: number;
  score?: { min: number; mean: number; max: number };
}

/**
 * The release order of a campaign using the model: model-arm contacts by drawn chance now, highest first, less those
 * held for a better hour (marked `holdUntil`, at the end); control contacts as read; merged so that every prefix
 * (every budget) holds the two arms in proportion to their sizes. An owner without a promoted model yet explores
 * (`UNINFORMED_MODEL`).
 */
export function bestTimeOrder(
  promoted: AnswerModel | undefined,
  settings: BestTimeSettings,
  campaign: Pick<ActiveCampaign, 'id' | 'endAt' | 'maxAttempts' | 'retryDelays' | 'startedAt' | 'startAt'>,
  now: Date,
  draw: (alpha: number, beta: number) => number,
): { order: ReleaseOrder; summary: () => InferenceSummary } {
  const model = promoted ?? UNINFORMED_MODEL;
  let summary: InferenceSummary = { scored: 0, arms: { model: 0, control: 0 }, held: 0 };
  const order: ReleaseOrder = (callable) => {
    // One draw of the model for the tick (Thompson sampling): the same for every contact, now and later.
    const chanceOf = sampledChances(model, draw);
    const holdUntil = holdPlanner(
      chanceOf,
      {
        maxHoldHours: settings.maxHoldHours,
        endAt: campaign.endAt,
        maxAttempts: campaign.maxAttempts,
        retryDelays: campaign.retryDelays,
        calledFrom: latestOf(campaign.startedAt, campaign.startAt),
      },
      now,
    );
    const control: Callable[] = [];
    const scored: Array<{ callable: Callable; chance: number }> = [];
    const held: Callable[] = [];
    for (const each of callable) {
      const zone = primaryZone(each.hours.zones);
      if (zone === undefined || inControlArm(campaign.id, each.contact.id, settings.controlShare)) {
        control.push({ ...each, arm: 'control' });
        continue;
      }
      const features = {
        hourOfWeek: hourOfWeek(now, zone),
        region: regionOf(each),
        attempt: each.attempt,
        lastOutcome: lastOutcomeOf(each),
      };
      const chance = chanceOf(features);
      const until = holdUntil(each, zone, features, chance);
      if (until !== undefined) held.push({ ...each, arm: 'model', holdUntil: until });
      else scored.push({ callable: { ...each, arm: 'model' }, chance });
    }
    scored.sort((a, b) => b.chance - a.chance);
    const chances = scored.map((s) => s.chance);
    summary = {
      scored: scored.length + held.length,
      arms: { model: scored.length + held.length, control: control.length },
      held: held.length,
      ...(chances.length > 0
        ? {
            score: {
              min: Math.min(...chances),
              mean: chances.reduce((a, b) => a + b, 0) / chances.length,
              max: Math.max(...chances),
            },
          }
        : {}),
    };
    return [
      ...merged(
        scored.map((s) => s.callable),
        control,
      ),
      ...held,
    ];
  };
  return { order, summary: () => summary };
}

/** The two lists merged so that each prefix takes from each in proportion to its length (each list's order kept). */
function merged<T>(first: readonly T[], second: readonly T[]): T[] {
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < first.length || j < second.length) {
    // Take from the list that is furthest behind its share.
    const behindFirst = first.length === 0 ? Number.POSITIVE_INFINITY : i / first.length;
    const behindSecond = second.length === 0 ? Number.POSITIVE_INFINITY : j / second.length;
    if (behindFirst <= behindSecond) out.push(first[i++] as T);
    else out.push(second[j++] as T);
  }
  return out;
}

/** Calls placed in an arm, and those answered by a person. */
export interface ArmCounts {
  calls: number;
  answered: number;
}

export interface ArmFigures extends ArmCounts {
  /** Answered per call placed; null before any call. */
  contactRate: number | null;
  /** Its 95% Wilson interval: honest with few calls and rates near 0 or 1. */
  interval95: [number, number] | null;
}

const Z95 = 1.959964;

export function armFigures({ calls, answered }: ArmCounts): ArmFigures {
  if (calls === 0) return { calls, answered, contactRate: null, interval95: null };
  const p = answered / calls;
  const z2 = Z95 * Z95;
  const centre = (p + z2 / (2 * calls)) / (1 + z2 / calls);
  const half = (Z95 * Math.sqrt((p * (1 - p)) / calls + z2 / (4 * calls * calls))) / (1 + z2 / calls);
  return {
    calls,
    answered,
    contactRate: p,
    interval95: [Math.max(0, centre - half), Math.min(1, centre + half)],
  };
}

/**
 * The model arm's contact rate against the control's, as a relative change (+0.15: 15% more contacts per call), with
 * its 95% interval (the log of the rate ratio, normal approximation); null while either arm has no answered call.
 */
export function uplift(
  model: ArmCounts,
  control: ArmCounts,
): { relative: number; interval95: [number, number] } | null {
  if (model.answered === 0 || control.answered === 0) return null;
  const ratio = model.answered / model.calls / (control.answered / control.calls);
  const se = Math.sqrt(1 / model.answered - 1 / model.calls + 1 / control.answered - 1 / control.calls);
  return {
    relative: ratio - 1,
    interval95: [Math.exp(Math.log(ratio) - Z95 * se) - 1, Math.exp(Math.log(ratio) + Z95 * se) - 1],
  };
}
