/**
 * A telephony simulator: what the Asterisk workers do with a call message (docs/telephony.md), without phones. Each
 * call gets an outcome drawn from a mix (seeded, so a run can be repeated), a ring time and, when answered, a talk
 * time, on the clock it is given; a call not started by its deadline fails, as the contract says. `npm start` runs
 * it on the asterisk-calls queue and puts each result on the call-results queue when its call would have ended; the
 * tests call `simulateCall` directly with their injected clock.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { hourOfWeek } from '../src/domain/answerModel.ts';
import { primaryZone } from '../src/domain/bestTime.ts';
import { candidateZones } from '../src/domain/candidateZones.ts';
import type { AsteriskCall } from '../src/generated/asteriskCall.ts';
import type { CallResult } from '../src/generated/callResult.ts';
import { seededRandom } from '../src/lib/random.ts';

export { seededRandom };

export type SimulatedOutcome = CallResult['outcome'] | 'opt_out';

/** Relative weights of the outcomes. */
export type OutcomeMix = Partial<Record<SimulatedOutcome, number>>;

/** Roughly what an outbound reminder campaign meets. */
export const DEFAULT_MIX: OutcomeMix = {
  answered: 45,
  machine: 15,
  busy: 8,
  no_answer: 22,
  failed: 3,
  invalid_number: 4,
  opt_out: 3,
};

const CAUSES: Record<CallResult['outcome'], string> = {
  answered: 'NORMAL_CLEARING',
  machine: 'NORMAL_CLEARING',
  busy: 'USER_BUSY',
  no_answer: 'NO_ANSWER',
  failed: 'NETWORK_OUT_OF_ORDER',
  invalid_number: 'UNALLOCATED_NUMBER',
};

/**
 * How much likelier a person answers at each hour of the week (0: Monday 00:00-00:59) in their own zone: a factor
 * on the mix's `answered` and `opt_out` weights. The truth the best-time model (docs/best-time.md) has to find.
 */
export interface AnswerProfile {
  factors: number[];
}

/**
 * Following survey research on when people answer (Weeks, Kulka & Pierson, POQ 1987): weekday evenings and weekend
 * days best, working hours and early mornings worst.
 */
export const DEFAULT_ANSWER_PROFILE: AnswerProfile = {
  factors: Array.from({ length: 168 }, (_, hourOfWeek) => {
    const weekend = hourOfWeek >= 5 * 24;
    const hour = hourOfWeek % 24;
    if (hour < 8 || hour >= 21) return 0.5;
    if (weekend) return hour >= 10 && hour < 18 ? 1.4 : 1;
    if (hour >= 17) return 1.6;
    return hour < 12 ? 0.6 : 0.8;
  }),
};

/** A profile from a JSON file's text: `{ "factors": [168 non-negative numbers] }`. */
export function parseAnswerProfile(text: string): AnswerProfile {
  const parsed = JSON.parse(text) as { factors?: unknown };
  const factors = parsed.factors;
  if (
    !Array.isArray(factors) ||
    factors.length !== 168 ||
    !factors.every((f) => typeof f === 'number' && f >= 0)
  )
    throw new Error(
      'An answer profile is { "factors": [...] } with 168 non-negative numbers, Monday 00:00 first',
    );
  return { factors };
}

/** The factor of the recipient's local hour of the week (in the first of its number's zones). */
function answerFactor(profile: AnswerProfile, phoneNumber: string, at: Date): number {
  const zone = primaryZone(candidateZones({ phoneNumber }).zones);
  return zone === undefined ? 1 : (profile.factors[hourOfWeek(at, zone)] ?? 1);
}

/** "answered=50,busy=50": the mix given on the command line (outcomes not named weigh nothing). */
export function parseMix(text: string): OutcomeMix {
  const mix: OutcomeMix = {};
  for (const part of text.split(',')) {
    const [name, weight] = part.split('=').map((s) => s.trim());
    const value = Number(weight);
    if (!name || !(name in DEFAULT_MIX) || !Number.isFinite(value) || value < 0) {
      throw new Error(`Not an outcome weight: "${part}" (outcomes: ${Object.keys(DEFAULT_MIX).join(', ')})`);
    }
    mix[name as SimulatedOutcome] = value;
  }
  return mix;
}

function draw(mix: OutcomeMix, random: () => number): SimulatedOutcome {
  const entries = Object.entries(mix) as Array<[SimulatedOutcome, number]>;
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  let pick = random() * total;
  for (const [outcome, weight] of entries) {
    pick -= weight;
    if (pick < 0) return outcome;
  }
  return entries[entries.length - 1]?.[0] ?? 'answered';
}

/** The result of one call dialled at `at`, and when it ends. */
export function simulateCall(
  call: AsteriskCall,
  at: Date,
  given: OutcomeMix,
  random: () => number,
  profile?: AnswerProfile,
): CallResult {
  const startedAt = at.toISOString();
  if (at.getTime() > Date.parse(call.deadline)) {
    return {
      dialId: call.dialId,
      outcome: 'failed',
      startedAt,
      endedAt: startedAt,
      hangupCause: 'DEADLINE_PASSED',
    };
  }
  const factor = profile ? answerFactor(profile, call.phoneNumber, at) : 1;
  const mix =
    factor === 1
      ? given
      : { ...given, answered: (given.answered ?? 0) * factor, opt_out: (given.opt_out ?? 0) * factor };
  const drawn = draw(mix, random);
  const outcome = drawn === 'opt_out' ? 'answered' : drawn;
  // Ringing: 5-30 s (it rings out at 30 s); failures and unallocated numbers end at once.
  const ring =
    outcome === 'failed' || outcome === 'invalid_number'
      ? 1
      : outcome === 'no_answer'
        ? 30
        : 5 + Math.floor(random() * 20);
  const talk = outcome === 'answered' || outcome === 'machine' ? 20 + Math.floor(random() * 100) : 0;
  const answeredAt = new Date(at.getTime() + ring * 1000);
  const endedAt = new Date(answeredAt.getTime() + talk * 1000);
  return {
    dialId: call.dialId,
    outcome,
    ...(drawn === 'opt_out' ? { optOut: true } : {}),
    startedAt,
    ...(talk > 0 ? { answeredAt: answeredAt.toISOString(), durationSeconds: talk } : {}),
    endedAt: endedAt.toISOString(),
    hangupCause: CAUSES[outcome],
  };
}

export interface SimulatorOptions {
  sqs: SQSClient;
  callsQueueUrl: string;
  resultsQueueUrl: string;
  mix: OutcomeMix;
  /** How the chance of an answer follows the recipient's local hour and weekday. */
  profile?: AnswerProfile;
  /** The stack's clock (it may run faster than real time). */
  now: () => Date;
  /** How many times faster than real time the clock runs: a call's real duration is its simulated one over this. */
  timeScale: number;
  seed?: number;
  onCall?: (call: AsteriskCall, result: CallResult) => void;
  onError?: (error: unknown) => void;
}

/** Answers the calls on the asterisk-calls queue until stopped; the returned function stops it. */
export function startTelephonySimulator(options: SimulatorOptions): () => Promise<void> {
  const random = seededRandom(options.seed ?? 1);
  const pending = new Set<NodeJS.Timeout>();
  let running = true;
  const report = async (call: AsteriskCall, result: CallResult) => {
    try {
      await options.sqs.send(
        new SendMessageCommand({ QueueUrl: options.resultsQueueUrl, MessageBody: JSON.stringify(result) }),
      );
      options.onCall?.(call, result);
    } catch (error) {
      options.onError?.(error);
    }
  };
  const loop = (async () => {
    while (running) {
      try {
        const { Messages = [] } = await options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: options.callsQueueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 0,
          }),
        );
        // Short polls, 50 ms apart when idle: the local SQS holds a long poll for its whole wait, and on a faster
        // clock every real millisecond a call waits counts against its deadline.
        if (Messages.length === 0) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          continue;
        }
        for (const message of Messages) {
          const call = JSON.parse(message.Body ?? '{}') as AsteriskCall;
          const now = options.now();
          const result = simulateCall(call, now, options.mix, random, options.profile);
          // The result goes out when the call would have ended, on the stack's clock.
          const wait = Math.max(0, (Date.parse(result.endedAt) - now.getTime()) / options.timeScale);
          const timer = setTimeout(() => {
            pending.delete(timer);
            void report(call, result);
          }, wait);
          pending.add(timer);
        }
        await options.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: options.callsQueueUrl,
            Entries: Messages.map((message, i) => ({
              Id: String(i),
              ReceiptHandle: message.ReceiptHandle ?? '',
            })),
          }),
        );
      } catch (error) {
        if (running) options.onError?.(error);
      }
    }
  })();
  return async () => {
    running = false;
    await loop;
    for (const timer of pending) clearTimeout(timer);
  };
}
