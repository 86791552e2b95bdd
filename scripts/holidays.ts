/**
 * src/generated/holidays.ts (written by `npm run schemas`): the public holidays of every region a rule of
 * rules/calling-hours.json closes on its holidays (`closedOnHolidaysOf`), as local dates, computed by the date-holidays
 * library (its rules for each state's legal holidays), never typed by hand. The functions read the dates from their
 * bundle: the library with every country's data weighs megabytes. The years covered are written with them; the
 * engine treats a date outside them as a holiday (it fails closed) and a test says when to extend them.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const Holidays = require('date-holidays') as new (
  country: string,
  state: string,
) => { getHolidays(year: number): Array<{ date: string; type: string }> };

/** The first and last years written. */
export const HOLIDAY_YEARS = { from: 2025, to: 2036 } as const;

const root = join(dirname(new URL(import.meta.url).pathname), '..');

/** `{ "years": { from, to }, "dates": { "US-AL": ["2025-01-01", ...] } }`. */
export async function holidaysJson(): Promise<string> {
  const table = JSON.parse(await readFile(join(root, 'rules', 'calling-hours.json'), 'utf8')) as {
    rules: Array<{ closedOnHolidaysOf?: string }>;
  };
  const regions = [...new Set(table.rules.flatMap((rule) => rule.closedOnHolidaysOf ?? []))].sort();
  const dates: Record<string, string[]> = {};
  for (const region of regions) {
    const [country = '', state = ''] = region.split('-');
    const calendar = new Holidays(country, state);
    const days = new Set<string>();
    for (let year = HOLIDAY_YEARS.from; year <= HOLIDAY_YEARS.to; year += 1)
      for (const holiday of calendar.getHolidays(year))
        if (holiday.type === 'public') days.add(holiday.date.slice(0, 10));
    dates[region] = [...days].sort();
  }
  return `${JSON.stringify({ years: HOLIDAY_YEARS, dates })}\n`;
}
