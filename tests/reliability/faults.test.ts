/**
 * Injected faults against the real local services, each on a campaign of its own run to its end afterwards: SQS
 * answering SendMessageBatch with failed entries, SQS unavailable, DynamoDB throttling and leaving keys unprocessed,
 * PostgreSQL restarted in the middle of a scheduler tick and of a dialer batch, the X-Ray receiver gone, invocations
 * short of time. SQS and DynamoDB faults come from proxies between the functions and the emulators; the restart stops
 * and starts the real server. Each fault must cost time only: at the end, no contact or result lost, no call placed
 * twice, no listed number called, no call outside its hours. The figures go to the reliability report.
 */

import { afterAll, expect, it } from '@jest/globals';
import { DEFAULT_MIX, seededRandom } from '../../local/telephony.ts';
import { campaignRunner, type RunHooks } from '../helpers/campaignRunner.ts';
import type { Fault, FaultRule } from '../helpers/faultProxy.ts';
import { phoneNumberFor, startSystemHarness } from '../helpers/systemHarness.ts';
import { itKeepsContactsPrivate } from './privacy.ts';
import { writeReportSection } from './report.ts';

const harness = await startSystemHarness({}, { faultProxies: true });
afterAll(() => harness.stop());
const proxies =
  harness.faults ??
  (() => {
    throw new Error('no fault proxies');
  })();
const runner = campaignRunner(harness, DEFAULT_MIX, seededRandom(14));

const CONTACTS = 40;
const LISTED_EVERY = 8;

interface Scenario {
  name: string;
  /** Sets the fault up for the first rounds; answers how many times it was injected, once the run is over. */
  hooks: (counter: { injected: number }) => RunHooks;
}

/** A rule active for the first `rounds` rounds of a run. */
function during(
  rounds: number,
  proxy: 'sqs' | 'dynamo',
  rule: FaultRule,
  counter: { injected: number },
): RunHooks {
  return {
    beforeRound: (round) => {
      if (round === 0) proxies[proxy].inject(rule);
      if (round === rounds) counter.injected += proxies[proxy].inject(undefined);
    },
  };
}

const failHalfTheEntries: Fault = {
  kind: 'partial',
  request: (body) => ({ ...body, Entries: (body.Entries as unknown[]).filter((_, i) => i % 2 === 0) }),
  response: (answer, original) => ({
    ...answer,
    Failed: (original.Entries as Array<{ Id: string }>)
      .filter((_, i) => i % 2 === 1)
      .map((entry) => ({ Id: entry.Id, SenderFault: false, Code: 'InternalError', Message: 'injected' })),
  }),
};

const SCENARIOS: Scenario[] = [
  {
    name: 'sqsSendMessageBatchFailedEntries',
    hooks: (counter) =>
      during(
        3,
        'sqs',
        (op) => (op === 'AmazonSQS.SendMessageBatch' ? failHalfTheEntries : undefined),
        counter,
      ),
  },
  {
    name: 'sqsUnavailable',
    hooks: (counter) =>
      during(
        2,
        'sqs',
        (_operation, body) =>
          JSON.stringify(body).length % 2 === 0
            ? { kind: 'cut' }
            : { kind: 'error', status: 503, type: 'ServiceUnavailable', message: 'injected' },
        counter,
      ),
  },
  {
    name: 'dynamoThrottling',
    hooks: (counter) => {
      // The first 12 lookups throttled: the SDK's retries and the dialer's own, then the batches come back.
      let lookups = 0;
      return during(
        4,
        'dynamo',
        (op) =>
          op.endsWith('.BatchGetItem') && ++lookups <= 12
            ? {
                kind: 'error',
                status: 400,
                type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException',
                message: 'Rate of requests exceeds the allowed throughput.',
              }
            : undefined,
        counter,
      );
    },
  },
  {
    name: 'dynamoUnprocessedKeys',
    hooks: (counter) =>
      during(
        2,
        'dynamo',
        (op) =>
          op.endsWith('.BatchGetItem')
            ? {
                kind: 'partial',
                // One key looked up a request; the others come back unprocessed, as under throttling.
                request: (body) => {
                  const items = body.RequestItems as Record<string, { Keys: unknown[] }>;
                  return {
                    ...body,
                    RequestItems: Object.fromEntries(
                      Object.entries(items).map(([table, spec]) => [
                        table,
                        { ...spec, Keys: spec.Keys.slice(0, 1) },
                      ]),
                    ),
                  };
                },
                response: (answer, original) => {
                  const items = original.RequestItems as Record<string, { Keys: unknown[] }>;
                  return {
                    ...answer,
                    UnprocessedKeys: Object.fromEntries(
                      Object.entries(items)
                        .filter(([, spec]) => spec.Keys.length > 1)
                        .map(([table, spec]) => [table, { ...spec, Keys: spec.Keys.slice(1) }]),
                    ),
                  };
                },
              }
            : undefined,
        counter,
      ),
  },
  {
    name: 'postgresRestartDuringTick',
    hooks: (counter) => {
      let restart: Promise<void> | undefined;
      return {
        beforeRound: (round) => {
          if (round !== 1) return;
          // The restart starts as the tick does (the round's tick follows this hook at once).
          restart = new Promise((resolve) => setTimeout(resolve, 5)).then(() =>
            harness.stack.restartPostgres(300),
          );
          counter.injected += 1;
        },
        // The dialer runs once the server is back: its own outage is the next scenario's.
        dial: async () => {
          await restart;
          restart = undefined;
          await harness.drain('dialTasks');
        },
      };
    },
  },
  {
    name: 'postgresRestartDuringDialerBatch',
    hooks: (counter) => {
      let round = -1;
      return {
        beforeRound: (r) => {
          round = r;
        },
        dial: async () => {
          if (round === 0) {
            counter.injected += 1;
            const restart = new Promise((resolve) => setTimeout(resolve, 15)).then(() =>
              harness.stack.restartPostgres(300),
            );
            await harness.drain('dialTasks');
            await restart;
          }
          await harness.drain('dialTasks');
        },
      };
    },
  },
  {
    name: 'lambdaNearTimeout',
    hooks: (counter) => {
      let round = -1;
      return {
        beforeRound: (r) => {
          round = r;
        },
        // Invocations with 2.5 s left: under the 3 s margin, every task comes back as a failure, none half done.
        dial: async () => {
          if (round < 2) {
            const { failures } = await harness.drain('dialTasks', 10, 2_500);
            counter.injected += failures;
          }
          await harness.drain('dialTasks');
        },
      };
    },
  },
  {
    name: 'xrayReceiverAbsent',
    hooks: (counter) => ({
      beforeRound: async (round) => {
        if (round !== 0) return;
        await harness.stack.xray.stop();
        counter.injected += 1;
      },
    }),
  },
];

it('loses nothing and places no call twice under each injected fault, and recovers', async () => {
  const faults = [];
  for (const [index, scenario] of SCENARIOS.entries()) {
    // FAULTS=name,name runs only those scenarios (the report then holds only them).
    if (process.env.FAULTS && !process.env.FAULTS.split(',').includes(scenario.name)) continue;
    // Prepare: a running campaign, some of its numbers on the do-not-call list
    const numbers = Array.from({ length: CONTACTS }, (_, i) => phoneNumberFor(1000 + index * 100 + i));
    const listed = new Set(numbers.filter((_, i) => i % LISTED_EVERY === 0));
    await harness.blacklist([...listed]);
    const campaignId = await runner.createRunning(
      `faults-${index}`,
      numbers.map((phoneNumber) => ({ phoneNumber })),
    );

    // Act: the fault during the first rounds, then the run to its end
    const counter = { injected: 0 };
    const rounds = await runner.run(campaignId, scenario.hooks(counter), 60);
    // A run over before its fault's last round: the fault's count so far.
    counter.injected += proxies.sqs.inject(undefined) + proxies.dynamo.inject(undefined);

    // Assert
    const audit = await runner.audit(campaignId, listed);
    faults.push({
      name: scenario.name,
      injected: counter.injected,
      lost: audit.lost,
      duplicated: audit.duplicateCalls,
      blacklistedCalled: audit.blacklistedCalled,
      outsideWindow: audit.outsideWindow,
      overCap: audit.overCap,
      rounds,
      calls: audit.calls,
      problems: audit.problems,
    });
  }
  await writeReportSection('faults', { scenarios: faults.length, faults });
  // Every scenario ran and was checked: a loop over an empty list would assert nothing.
  expect(faults.map((fault) => fault.name)).toEqual(SCENARIOS.map((scenario) => scenario.name));
  for (const fault of faults) {
    expect({ name: fault.name, injected: fault.injected > 0 }).toEqual({ name: fault.name, injected: true });
    expect(fault).toMatchObject({
      lost: 0,
      duplicated: 0,
      blacklistedCalled: 0,
      outsideWindow: 0,
      overCap: 0,
      problems: [],
    });
  }
}, 600_000);

itKeepsContactsPrivate(harness, 'faults');
