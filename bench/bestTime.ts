/**
 * Best time to call (docs/best-time.md), measured in simulated days: two campaigns of one owner, the same contacts'
 * places, the same settings, ticked every simulated minute by the real plan (src/domain/schedulePlan.ts, the calling
 * rules, the due contacts a tick reads); one orders and holds its callable contacts by the answer model, retrained
 * each simulated midnight from the owner's calls so far and used once promoted, the other as without it (its
 * baseline, in the same run). Calls are answered by the telephony simulator with its default answer profile (weekday
 * evenings and weekends best, in the recipient's own zone): the truth the model has to find. Every call is checked
 * against the law oracle of the tests (its own tables and zone derivation).
 *
 * Two scenarios (SCENARIOS): `reminders`, a campaign with room in its pace that retries the next day (where calls
 * bunch at each window's opening without the model: the case the model is for), and `backlog`, a campaign whose
 * pace is always full, where the model can only choose among the zones open at each minute.
 *
 * Measured: right-party contacts (answered by a person) per call, contacts reached, calls placed, finish time,
 * contacts left unreached with fewer attempts than the campaign allows, calls outside any rule, and inference time
 * per 1,000 contacts scored. `node bench/bestTime.ts [contacts] [scenario]`; `npm run bench` runs both as its part
 * `bestTime`.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_ANSWER_PROFILE, DEFAULT_MIX, seededRandom, simulateCall } from '../local/telephony.ts';
import {
  type AnswerCounts,
  type AnswerModel,
  hourOfWeek,
  type LastOutcome,
  promotable,
  trainAnswerModel,
} from '../src/domain/answerModel.ts';
import { bestTimeOrder, primaryZone, regionOf } from '../src/domain/bestTime.ts';
import { nextStep } from '../src/domain/callOutcome.ts';
import { DEFAULT_BEST_TIME, DEFAULT_SETTINGS } from '../src/domain/campaignSettings.ts';
import type { DueContact } from '../src/domain/schedule.ts';
import { type Callable, planTick } from '../src/domain/schedulePlan.ts';
import { betaDraw } from '../src/lib/random.ts';
import { scanLimit } from '../src/services/scheduler.ts';
import { oracleViolation } from '../tests/helpers/lawOracle.ts';

const TIMES = { releaseLeaseMinutes: 15, resultTimeoutMinutes: 60 };
const CALLING_WINDOW = {
  start: '09:00',
  end: '21:00',
  days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const,
};
const WINDOW_MINUTES: [number, number] = [9 * 60, 21 * 60];

export interface Scenario {
  /** Calls a minute per campaign. */
  pace: number;
  maxAttempts: number;
  retryDelays: typeof DEFAULT_SETTINGS.retryDelays;
  /** Simulated days at most (a campaign may finish sooner). */
  days: number;
}

export const SCENARIOS = {
  /**
   * Reminders with room to spare: 30 calls a minute (a whole list's first calls take a morning), five attempts, a
   * retry the next day after no answer or a machine (as by default after a busy line or a failure).
   */
  reminders: {
    pace: 30,
    maxAttempts: 5,
    retryDelays: { ...DEFAULT_SETTINGS.retryDelays, no_answer: 1440, machine: 1440 },
    days: 7,
  },
  /** A backlog: 5 calls a minute for 10,000 contacts, three attempts, the default retry delays; days of calls. */
  backlog: { pace: 5, maxAttempts: 3, retryDelays: DEFAULT_SETTINGS.retryDelays, days: 5 },
} satisfies Record<string, Scenario>;
/** Monday 2027-03-01 12:00 UTC (07:00 in New York): the start of the run. */
const START = Date.parse('2027-03-01T12:00:00Z');
const OPEN_OUTCOMES = new Set(['busy', 'no_answer', 'machine', 'failed']);

interface SimContact extends DueContact {
  nextCallAt: number;
  final?: string;
  attempts: number;
  version: number;
}

interface Arm {
  name: 'model' | 'control';
  contacts: SimContact[];
  heap: DueHeap;
  calls: number;
  answered: number;
  violations: number;
  held: number;
  finishedAt?: number;
}

/**
 * Contacts across the US zones roughly as people live there (Eastern 47%, Central 29%, Mountain 7%, Pacific 17%), on
 * area codes the law oracle knows its own way.
 */
const AREAS = [
  ['212', 24],
  ['305', 23],
  ['312', 15],
  ['713', 14],
  ['303', 4],
  ['602', 3],
  ['213', 9],
  ['415', 8],
] as const;

function contactsOf(count: number, start = START): SimContact[] {
  const total = AREAS.reduce((sum, [, weight]) => sum + weight, 0);
  return Array.from({ length: count }, (_, i) => {
    // Spread over the areas by their weights (37 is prime to the total: every area in turn).
    const pick = (i * 37) % total;
    let below = 0;
    const area =
      AREAS.find(([, weight]) => {
        below += weight;
        return pick < below;
      })?.[0] ?? '212';
    return {
      id: `k-${String(i).padStart(6, '0')}`,
      phoneNumber: `+1${area}555${String(i % 10_000).padStart(4, '0')}`,
      nextCallAt: start,
      // Imported the day before the campaign starts.
      addedAt: new Date(start - 86_400_000),
      attempts: 0,
      version: 0,
    };
  });
}

/**
 * The due contacts a tick reads (the longest due first, `limit` of them), as the index does: a heap by next call
 * time, an entry stale once its contact changed (its version).
 */
class DueHeap {
  readonly #items: Array<{ at: number; version: number; contact: SimContact }> = [];

  push(contact: SimContact): void {
    contact.version += 1;
    const items = this.#items;
    items.push({ at: contact.nextCallAt, version: contact.version, contact });
    for (let i = items.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if ((items[parent] as { at: number }).at <= (items[i] as { at: number }).at) break;
      [items[parent], items[i]] = [
        items[i] as (typeof items)[number],
        items[parent] as (typeof items)[number],
      ];
      i = parent;
    }
  }

  #pop() {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && (items[l] as { at: number }).at < (items[m] as { at: number }).at) m = l;
        if (r < items.length && (items[r] as { at: number }).at < (items[m] as { at: number }).at) m = r;
        if (m === i) break;
        [items[m], items[i]] = [items[i] as (typeof items)[number], items[m] as (typeof items)[number]];
        i = m;
      }
    }
    return top;
  }

  /** Up to `limit` open contacts due at `now`, taken out (push them back once their tick is done). */
  due(now: number, limit: number): SimContact[] {
    const out: SimContact[] = [];
    while (out.length < limit && this.#items.length > 0 && (this.#items[0] as { at: number }).at <= now) {
      const entry = this.#pop();
      if (entry && entry.version === entry.contact.version && entry.contact.final === undefined) {
        entry.contact.dueAt = new Date(entry.contact.nextCallAt);
        out.push(entry.contact);
      }
    }
    return out;
  }

  get open(): boolean {
    return this.#items.some(
      (entry) => entry.version === entry.contact.version && entry.contact.final === undefined,
    );
  }
}

export interface BestTimeFigures {
  scenario: keyof typeof SCENARIOS;
  contacts: number;
  settings: Scenario;
  arms: Record<
    'model' | 'control',
    {
      calls: number;
      answered: number;
      contactRate: number;
      reached: number;
      finishedHours: number | null;
      /** Contacts never reached and not ended by their number, with fewer attempts than the campaign allows. */
      unreachedShortOfAttempts: number;
      held: number;
    }
  >;
  relativeContactRate: number;
  finishRatio: number | null;
  /** Calls outside any rule, in both pairs of campaigns. */
  violations: number;
  /** The owner's first pair (the model learning as it runs); the figures above are of its next pair, a week on. */
  firstCampaigns: Pick<BestTimeFigures, 'arms' | 'relativeContactRate' | 'finishRatio' | 'violations'>;
  modelsPromoted: number;
  inferenceMsPer1000: number;
}

export function measureBestTime(
  options: { contacts?: number; scenario?: keyof typeof SCENARIOS } = {},
): BestTimeFigures {
  const count = options.contacts ?? 10_000;
  const scenario = options.scenario ?? 'reminders';
  const settings: Scenario = SCENARIOS[scenario];
  const { days, pace } = settings;
  const campaign = { callingWindow: CALLING_WINDOW, ...settings };
  const bestTime = { enabled: true, controlShare: 0, maxHoldHours: DEFAULT_BEST_TIME.maxHoldHours };
  const random = seededRandom(2027);
  const draw = betaDraw(seededRandom(11));
  // The owner's calls so far, by feature and minute: what the daily training reads.
  const history: Array<AnswerCounts & { at: number }> = [];
  let model: AnswerModel | undefined;
  let promotedModels = 0;

  /** The daily training: everything so far, the most recent fifth held out (as for an owner of under five weeks). */
  const train = (now: number, version: string) => {
    if (history.length === 0) return;
    const cut = history[Math.floor(history.length * 0.8)]?.at ?? now;
    const trained = trainAnswerModel(
      history.filter((h) => h.at < cut),
      history.filter((h) => h.at >= cut),
      { version, trainedAt: new Date(now), window: { from: new Date(START), to: new Date(now) } },
    );
    if (promotable(trained).promote) {
      model = trained;
      promotedModels += 1;
    }
  };

  /** One pair of campaigns from `start` (a Monday, 07:00 in New York) until both are done or `days` have passed. */
  const runPair = (start: number, week: number) => {
    const arms: Arm[] = (['model', 'control'] as const).map((name) => {
      const contacts = contactsOf(count, start);
      const heap = new DueHeap();
      for (const contact of contacts) heap.push(contact);
      return { name, contacts, heap, calls: 0, answered: 0, violations: 0, held: 0 };
    });
    const last = new Map<string, LastOutcome>();
    const pairCampaign = { endAt: null, startAt: null, startedAt: new Date(start), ...settings };
    for (
      let minute = 0;
      minute < days * 1440 && arms.some((arm) => arm.finishedAt === undefined);
      minute += 1
    ) {
      const now = start + minute * 60_000;
      if (minute % 1440 === 0) train(now, `week-${week}-day-${minute / 1440}`);
      for (const arm of arms) {
        if (arm.finishedAt !== undefined) continue;
        const due = arm.heap.due(now, scanLimit(pace));
        if (due.length === 0) {
          if (minute % 60 === 0 && !arm.heap.open) arm.finishedAt = now;
          continue;
        }
        const at = new Date(now);
        const scoring =
          arm.name === 'model'
            ? bestTimeOrder(model, bestTime, { ...pairCampaign, id: 'c-model' }, at, draw)
            : undefined;
        const callables = new Map<string, Callable>();
        const remember = (callable: readonly Callable[]) => {
          for (const c of callable) callables.set(c.contact.id, c);
          return scoring ? scoring.order(callable) : callable;
        };
        const plan = planTick(at, campaign, due, pace, TIMES, undefined, remember);
        arm.held += plan.held;
        const byId = new Map(due.map((c) => [c.id, c as SimContact]));
        for (const change of plan.changes) {
          const contact = byId.get(change.contactId);
          if (contact === undefined) continue;
          if (change.kind === 'final') contact.final = change.outcome;
          else if (change.kind === 'later') contact.nextCallAt = change.at.getTime();
        }
        for (const release of plan.released) {
          const contact = byId.get(release.contactId) as SimContact;
          const callable = callables.get(contact.id) as Callable;
          if (oracleViolation(at, contact, WINDOW_MINUTES) !== undefined) arm.violations += 1;
          const result = simulateCall(
            {
              dialId: `c:${contact.id}:${release.attempt}`,
              campaignId: 'c',
              contactId: contact.id,
              attempt: release.attempt,
              phoneNumber: contact.phoneNumber,
              attributes: {},
              requestedAt: at.toISOString(),
              deadline: new Date(now + 300_000).toISOString(),
            },
            at,
            DEFAULT_MIX,
            random,
            DEFAULT_ANSWER_PROFILE,
          );
          arm.calls += 1;
          contact.attempts = release.attempt;
          if (result.outcome === 'answered') arm.answered += 1;
          const zone = primaryZone(callable.hours.zones);
          if (zone !== undefined) {
            history.push({
              at: now,
              hourOfWeek: hourOfWeek(at, zone),
              region: regionOf(callable),
              attempt: release.attempt,
              lastOutcome: last.get(`${arm.name}:${contact.id}`) ?? 'none',
              calls: 1,
              answered: result.outcome === 'answered' ? 1 : 0,
            });
          }
          last.set(
            `${arm.name}:${contact.id}`,
            OPEN_OUTCOMES.has(result.outcome) ? (result.outcome as LastOutcome) : 'none',
          );
          const next = nextStep(result, release.attempt, campaign);
          if ('final' in next) contact.final = next.final;
          else {
            contact.nextCallAt = next.retryAt.getTime();
            contact.latest = {
              attempt: release.attempt,
              status: 'initiated',
              outcome: result.outcome,
              initiatedAt: at,
            };
          }
        }
        // Every contact the tick read goes back to the index at its (maybe new) time, unless it is done.
        for (const contact of due) if (contact.final === undefined) arm.heap.push(contact);
      }
    }
    const figures = (arm: Arm) => {
      const unreached = arm.contacts.filter((c) => c.final !== 'answered' && c.final !== 'opted_out');
      return {
        calls: arm.calls,
        answered: arm.answered,
        contactRate: arm.answered / Math.max(1, arm.calls),
        reached: arm.contacts.filter((c) => c.final === 'answered' || c.final === 'opted_out').length,
        finishedHours: arm.finishedAt === undefined ? null : (arm.finishedAt - start) / 3_600_000,
        unreachedShortOfAttempts: unreached.filter(
          (c) => c.final !== 'invalid_number' && c.attempts < settings.maxAttempts,
        ).length,
        held: arm.held,
      };
    };
    const [withModel, control] = arms.map(figures) as [
      ReturnType<typeof figures>,
      ReturnType<typeof figures>,
    ];
    return {
      arms: { model: withModel, control },
      relativeContactRate: withModel.contactRate / control.contactRate - 1,
      finishRatio:
        withModel.finishedHours !== null && control.finishedHours !== null
          ? withModel.finishedHours / control.finishedHours
          : null,
      violations: arms.reduce((sum, arm) => sum + arm.violations, 0),
    };
  };

  // The owner's first campaigns (the model learns as they run), then, a week later, its next ones.
  const first = runPair(START, 0);
  const next = runPair(START + 7 * 86_400_000, 1);

  // Inference alone: 1,000 callable contacts scored and ordered, the median of 50 rounds.
  const inferenceMsPer1000 = (() => {
    if (model === undefined) return Number.NaN;
    const at = new Date(START + 2 * 86_400_000 + 14 * 3_600_000);
    let callable: readonly Callable[] = [];
    planTick(at, campaign, contactsOf(1_000), 1_000, TIMES, undefined, (all) => {
      callable = all;
      return all;
    });
    const runs: number[] = [];
    for (let i = 0; i < 50; i += 1) {
      const scoring = bestTimeOrder(
        model,
        { ...bestTime, controlShare: 0.1 },
        { id: 'c', endAt: null, startAt: null, startedAt: null, ...settings },
        at,
        draw,
      );
      const started = performance.now();
      scoring.order(callable);
      runs.push(((performance.now() - started) * 1_000) / Math.max(1, callable.length));
    }
    return runs.sort((a, b) => a - b)[25] ?? Number.NaN;
  })();

  return {
    scenario,
    contacts: count,
    settings,
    ...next,
    violations: first.violations + next.violations,
    firstCampaigns: first,
    modelsPromoted: promotedModels,
    inferenceMsPer1000,
  };
}

if (import.meta.main) {
  const contacts = Number(process.argv[2]) || undefined;
  const named = process.argv[3] as keyof typeof SCENARIOS | undefined;
  const scenarios = named ? [named] : (Object.keys(SCENARIOS) as Array<keyof typeof SCENARIOS>);
  const figures = scenarios.map((scenario) => measureBestTime({ contacts, scenario }));
  const text = `${JSON.stringify({ measuredAt: new Date().toISOString(), scenarios: figures }, null, 2)}\n`;
  await writeFile(join(import.meta.dirname, 'results', 'best-time.json'), text);
  console.log(text);
}
