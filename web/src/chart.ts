/**
 * The campaign's calls and their outcomes over the last 24 hours, in 15-minute buckets (GET .../metrics): drawn by
 * uPlot (small, fast, canvas), with the same figures as a table for every reader the canvas does not reach.
 */
import uPlot from 'uplot';
import type { ActivityCounts } from '../../src/domain/campaignMetrics.ts';
import { el } from './dom.ts';

/** A bucket of GET .../metrics's series: its start and its counts (the API's own type). */
export type Bucket = { from: string } & ActivityCounts;

/** What the chart draws: each line a sum of the bucket's counts. */
const LINES: Array<{ label: string; color: string; of: (b: Bucket) => number }> = [
  { label: 'Calls placed', color: '#1f4e8c', of: (b) => b.dials },
  { label: 'Answered by a person', color: '#17663a', of: (b) => b.answered },
  { label: 'Answering machine', color: '#7a4e00', of: (b) => b.machine },
  { label: 'No answer or busy', color: '#5f5f5f', of: (b) => b.noAnswer + b.busy },
  { label: 'Failed or invalid number', color: '#a3222b', of: (b) => b.failed + b.invalidNumber },
  { label: 'Opted out', color: '#6b2d8c', of: (b) => b.optOuts },
];

/** The one chart on the page: destroyed before the next is drawn (the view is rebuilt at every refresh). */
let current: uPlot | undefined;

export function outcomesChart(series: readonly Bucket[], width: number): HTMLElement {
  current?.destroy();
  const times = series.map((b) => new Date(b.from).getTime() / 1000);
  const data: uPlot.AlignedData = [times, ...LINES.map((line) => series.map(line.of))];
  const plot = el('div', {
    class: 'chart',
    role: 'img',
    'aria-label':
      'Calls and their outcomes per 15 minutes over the last 24 hours; the table below has the figures',
  });
  current = new uPlot(
    {
      width: Math.max(280, Math.min(width, 960)),
      height: 240,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [{}, { label: 'Calls per 15 minutes', size: 60 }],
      series: [
        { label: 'Time' },
        ...LINES.map((line) => ({
          label: line.label,
          stroke: line.color,
          width: 2,
          points: { show: false },
        })),
      ],
    },
    data,
    plot,
  );
  const rows = series
    .filter((b) => LINES.some((line) => line.of(b) > 0))
    .map((b) =>
      el(
        'tr',
        {},
        el(
          'th',
          { scope: 'row' },
          new Date(b.from).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }),
        ),
        ...LINES.map((line) => el('td', {}, String(line.of(b)))),
      ),
    );
  return el(
    'section',
    { class: 'panel', 'aria-labelledby': 'outcomes-title', id: 'outcomes' },
    el('h2', { id: 'outcomes-title' }, 'Calls and outcomes, the last 24 hours'),
    plot,
    el(
      'details',
      {},
      el('summary', {}, 'The figures as a table'),
      rows.length === 0
        ? el('p', { class: 'muted' }, 'No calls in the last 24 hours.')
        : el(
            'table',
            {},
            el('caption', { class: 'muted' }, 'Per 15 minutes, the quarters with calls or results'),
            el(
              'thead',
              {},
              el(
                'tr',
                {},
                el('th', { scope: 'col' }, 'From'),
                ...LINES.map((l) => el('th', { scope: 'col' }, l.label)),
              ),
            ),
            el('tbody', {}, ...rows),
          ),
    ),
  );
}
