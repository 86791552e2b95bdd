/**
 * `npm run audit:law`: the law run (tests/helpers/lawRun.ts) on an embedded stack of its own, reported: calls placed,
 * calls the law oracle finds outside a rule, numbers over a limit, listed or opted-out numbers dialled, and how much of
 * the lawful time was used (the share of lawful place-hours in which a call was placed, and calls by local hour).
 * Written to bench/results/law-audit.json. `-- --stack` runs it against a running `npm start` instead
 * (bench/lawAuditStack.ts).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runLawScenario } from '../tests/helpers/lawRun.ts';
import { startSystemHarness } from '../tests/helpers/systemHarness.ts';

if (process.argv.includes('--stack')) await import('./lawAuditStack.ts');
else await auditOnHarness();

async function auditOnHarness(): Promise<void> {
  const harness = await startSystemHarness({ POWERTOOLS_LOG_LEVEL: 'ERROR' });
  try {
    const run = await runLawScenario(harness);
    const report = {
      at: new Date().toISOString(),
      campaigns: run.campaignIds.length,
      contactsPerCampaign: run.added,
      calls: run.calls.length,
      releasedByArm: run.arms,
      unlawful: run.unlawful.length,
      overCap: run.overCap.length,
      listedCalled: run.listedCalled,
      calledAfterOptOut: run.calledAfterOptOut,
      optOuts: run.optOuts,
      lost: run.lost,
      lawfulPlaceHours: run.lawfulHours.lawful,
      placeHoursWithCalls: run.lawfulHours.used,
      shareOfLawfulHoursUsed: Number((run.lawfulHours.used / Math.max(1, run.lawfulHours.lawful)).toFixed(3)),
      callsByLocalHour: run.byLocalHour.map(([hour, calls]) => `${hour}h ${calls}`).join(', '),
      examples: [...run.unlawful, ...run.overCap].slice(0, 10),
    };
    await writeFile(
      join(import.meta.dirname, 'results', 'law-audit.json'),
      `${JSON.stringify(report, null, 2)}\n`,
    );
    console.log(JSON.stringify(report, null, 2));
  } finally {
    await harness.stop();
  }
}
