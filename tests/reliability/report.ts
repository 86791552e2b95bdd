/**
 * The reliability report (`reports/reliability.json`, or the file `RELIABILITY_REPORT` names: CI writes a temporary
 * one, leaving the committed figures alone): each suite writes its own section, the others kept.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const REPORT =
  process.env.RELIABILITY_REPORT ?? join(import.meta.dirname, '..', '..', 'reports', 'reliability.json');

export async function writeReportSection(name: string, figures: Record<string, unknown>): Promise<void> {
  // An empty file (CI's, made by mktemp) is a report without sections yet.
  const text = existsSync(REPORT) ? (await readFile(REPORT, 'utf8')).trim() : '';
  const report = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  report[name] = { ...figures, measuredAt: new Date().toISOString(), node: process.version };
  await mkdir(dirname(REPORT), { recursive: true });
  await writeFile(REPORT, `${JSON.stringify(report, null, 2)}\n`);
}

/**
 * Adds one suite's part to a section several suites share (the privacy audit): the parts kept by suite, the section's
 * figures their sums.
 */
export async function addToReportSection(
  name: string,
  part: string,
  figures: Record<string, number>,
): Promise<void> {
  const text = existsSync(REPORT) ? (await readFile(REPORT, 'utf8')).trim() : '';
  const report = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  const section = (report[name] ?? {}) as { bySuite?: Record<string, Record<string, number>> };
  const bySuite = { ...section.bySuite, [part]: figures };
  const totals: Record<string, number> = {};
  for (const suite of Object.values(bySuite))
    for (const [key, value] of Object.entries(suite)) totals[key] = (totals[key] ?? 0) + value;
  report[name] = { ...totals, bySuite, measuredAt: new Date().toISOString(), node: process.version };
  await mkdir(dirname(REPORT), { recursive: true });
  await writeFile(REPORT, `${JSON.stringify(report, null, 2)}\n`);
}
