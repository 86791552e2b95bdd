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
