/**
 * The law run: two campaigns of one owner sharing their numbers, on the embedded stack, from 13 March 2027 05:00 UTC
 * across the US daylight-saving change (Sunday 14 March), then two more from 25 March across Louisiana's Good Friday
 * (26 March) and the EU change (28 March), every case the outside audit found among their contacts. Its findings are
 * read by the law oracle (lawOracle.ts), never by the engine's view of a contact. Used by
 * tests/integration/lawOracle.test.ts (which asserts them) and `npm run audit:law` (which reports them).
 */
import { type OutcomeMix, seededRandom } from '../../local/telephony.ts';
import type { AsteriskCall } from '../../src/generated/asteriskCall.ts';
import { eveningModel } from './answerModels.ts';
import { campaignRunner, EVERY_DAY } from './campaignRunner.ts';
import { ORACLE_CONTACTS, oraclePlaces, oracleViolation } from './lawOracle.ts';
import type { SystemHarness } from './systemHarness.ts';

const OWNER = 'oracle-owner';
const MIX: OutcomeMix = { answered: 10, machine: 10, busy: 15, no_answer: 55, failed: 5, opt_out: 5 };
/** The campaigns' window: the law's widest hours, so the rules, not the campaign, bound the calls. */
const WINDOW: [number, number] = [8 * 60, 21 * 60];
export const LAW_RUN_LISTED = [ORACLE_CONTACTS[0]?.phoneNumber ?? '', ORACLE_CONTACTS[9]?.phoneNumber ?? ''];

const SETTINGS = {
  callingWindow: { start: '08:00', end: '21:00', days: EVERY_DAY },
  maxAttempts: 10,
  retryDelays: { busy: 90, no_answer: 300, machine: 600, failed: 60 },
  pacing: { callsPerMinute: 1_000, maxConcurrentCalls: 1_000 },
};

const PERIODS = [
  { label: 'dst', from: '2027-03-13T05:00:00Z', to: '2027-03-20T00:00:00Z' },
  { label: 'holiday', from: '2027-03-25T05:00:00Z', to: '2027-03-31T00:00:00Z' },
] as const;

export interface LawRunFindings {
  campaignIds: string[];
  /** Contacts added to each campaign. */
  added: number[];
  calls: AsteriskCall[];
  /** Calls outside a rule in some zone the contact may be in. */
  unlawful: string[];
  /** A fourth call to a number within 24 hours, across the campaigns. */
  overCap: string[];
  listedCalled: number;
  calledAfterOptOut: number;
  optOuts: number;
  /** Of the hours in which a call to a place's contacts was lawful, those in which one was placed. */
  lawfulHours: { lawful: number; used: number };
  /** Calls by local hour of day (in the contact's first zone), as [hour, calls], from 00 to 23. */
  byLocalHour: Array<[string, number]>;
  lost: number;
  /** Attempts released in the model's arm (the campaigns using the answer model), and in its control arm. */
  arms: { model: number; control: number };
}

const HOUR = 3_600_000;

/** Runs the scenario on `harness` (its clock moved and put back) and reads its findings. */
export async function runLawScenario(harness: SystemHarness): Promise<LawRunFindings> {
  const runner = campaignRunner(harness, MIX, seededRandom(23));
  const saved = harness.now();
  await harness.blacklist(LAW_RUN_LISTED);
  // The second campaign of each pair orders its callable contacts by the owner's answer model: the model may only
  // order what the rules allow, so the oracle must find its calls as lawful as the first campaign's.
  await harness.promoteModel(
    OWNER,
    eveningModel('law-run-evenings', ['US-TX'], new Date('2027-03-01T00:00:00Z')),
  );
  const campaignIds: string[] = [];
  for (const period of PERIODS) {
    harness.setNow(new Date(period.from));
    const pair: string[] = [];
    for (const side of ['a', 'b'])
      pair.push(
        await runner.createRunning(OWNER, ORACLE_CONTACTS, {
          ...SETTINGS,
          name: `law-${period.label}-${side}`,
          endAt: period.to,
          ...(side === 'b' ? { bestTimeToCall: { enabled: true, controlShare: 0.1 } } : {}),
        }),
      );
    for (const id of pair) await runner.run(id, {}, 2_000);
    campaignIds.push(...pair);
  }
  harness.setNow(saved);

  const { rows: added } = await harness.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM contacts WHERE campaign_id = ANY($1) GROUP BY campaign_id ORDER BY campaign_id',
    [campaignIds],
  );
  const calls = runner.calls.filter((call) => campaignIds.includes(call.campaignId));
  const byNumber = new Map(ORACLE_CONTACTS.map((c) => [c.phoneNumber, c]));

  const unlawful = calls.flatMap((call) => {
    const contact = byNumber.get(call.phoneNumber);
    const why = contact
      ? oracleViolation(new Date(call.requestedAt), contact, WINDOW)
      : 'a number of no contact';
    return why ? [`${call.requestedAt} ${call.phoneNumber.slice(0, 5)}: ${why}`] : [];
  });

  const overCap: string[] = [];
  for (const number of byNumber.keys()) {
    const times = calls
      .filter((call) => call.phoneNumber === number)
      .map((call) => Date.parse(call.requestedAt))
      .sort((x, y) => x - y);
    times.forEach((t, i) => {
      const fourth = times[i + 3];
      if (fourth !== undefined && fourth - t < 24 * HOUR)
        overCap.push(`${number.slice(0, 5)} at ${new Date(fourth).toISOString()}`);
    });
  }

  const { rows: optOuts } = await harness.db.query<{ phone_number: string; at: Date }>(
    `SELECT c.phone_number, min(a.result_at) AS at FROM call_attempts a
     JOIN contacts c ON c.campaign_id = a.campaign_id AND c.id = a.contact_id
     WHERE a.campaign_id = ANY($1) AND a.opt_out GROUP BY c.phone_number`,
    [campaignIds],
  );
  const calledAfterOptOut = calls.filter((call) =>
    optOuts.some((o) => o.phone_number === call.phoneNumber && Date.parse(call.requestedAt) > o.at.getTime()),
  ).length;

  // Lawful hours: for each place (the contacts sharing a case), each hour of each period in which a call would have
  // been lawful at its half past; used when a call to one of the place's contacts was placed in it.
  let lawful = 0;
  let used = 0;
  const places = new Map<string, string[]>();
  for (const contact of ORACLE_CONTACTS) {
    const key = `${contact.phoneNumber.slice(0, -1)}|${contact.timeZone}|${contact.usState}|${contact.postalCode}`;
    places.set(key, [...(places.get(key) ?? []), contact.phoneNumber]);
  }
  for (const numbers of places.values()) {
    const contact = byNumber.get(numbers[0] ?? '');
    if (contact === undefined || LAW_RUN_LISTED.some((n) => numbers.includes(n))) continue;
    const placed = calls
      .filter((call) => numbers.includes(call.phoneNumber))
      .map((c) => Date.parse(c.requestedAt));
    for (const period of PERIODS) {
      for (let at = Date.parse(period.from); at < Date.parse(period.to); at += HOUR) {
        if (oracleViolation(new Date(at + HOUR / 2), contact, WINDOW) !== undefined) continue;
        lawful += 1;
        if (placed.some((t) => t >= at && t < at + HOUR)) used += 1;
      }
    }
  }

  const byLocalHour: Record<string, number> = {};
  for (const call of calls) {
    const contact = byNumber.get(call.phoneNumber);
    const zone = contact ? [...oraclePlaces(contact).zones][0] : undefined;
    if (zone === undefined) continue;
    const hour = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      hour: '2-digit',
      hourCycle: 'h23',
    }).format(new Date(call.requestedAt));
    byLocalHour[hour] = (byLocalHour[hour] ?? 0) + 1;
  }

  let lost = 0;
  for (const id of campaignIds) lost += (await runner.audit(id, new Set(LAW_RUN_LISTED))).lost;
  const { rows: arms } = await harness.db.query<{ arm: 'model' | 'control'; n: number }>(
    'SELECT arm, count(*)::int AS n FROM call_attempts WHERE campaign_id = ANY($1) AND arm IS NOT NULL GROUP BY arm',
    [campaignIds],
  );
  const released = (arm: string) => arms.find((row) => row.arm === arm)?.n ?? 0;
  return {
    campaignIds,
    added: added.map((row) => row.n),
    calls,
    unlawful,
    overCap,
    listedCalled: calls.filter((call) => LAW_RUN_LISTED.includes(call.phoneNumber)).length,
    calledAfterOptOut,
    optOuts: optOuts.length,
    lawfulHours: { lawful, used },
    byLocalHour: Object.entries(byLocalHour).sort(([a], [b]) => a.localeCompare(b)),
    lost,
    arms: { model: released('model'), control: released('control') },
  };
}
