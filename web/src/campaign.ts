/**
 * A campaign, live: why it is or is not dialling, its controls (each confirmed, naming its effect), its figures
 * against the period before, its calls and outcomes over 24 hours, its contacts done by why, and its calling hours
 * over the next 24 (the preview).
 */

import type { CampaignMetrics } from '../../src/domain/campaignMetrics.ts';
import type { CampaignPreview } from '../../src/services/campaignPreview.ts';
import { api } from './api.ts';
import { type Bucket, outcomesChart } from './chart.ts';
import { pageConfig, traceFilter, traceLink } from './config.ts';
import { type Child, el, when } from './dom.ts';

/** A campaign's contacts, or one contact's, as a path of the API and of the page. */
export const contactPath = (campaignId: string, contactId?: string) =>
  `campaigns/${encodeURIComponent(campaignId)}/contacts${contactId ? `/${encodeURIComponent(contactId)}` : ''}`;

/** What a view may ask of the page: say something, or show the current route again. */
export interface ViewContext {
  say(message: string | undefined): void;
  route(): Promise<void>;
}

interface CampaignStatus {
  campaignId: string;
  status: string;
  contacts: number;
  contactsOpen: number;
  callsInFlight: number;
  outcomes: Record<string, number>;
  contactsDone: Record<string, number>;
  estimatedFinishAt: string | null;
  settings?: { name: string };
  dialling?: { dialling: boolean; reason: string; message: string; until?: string; zones?: string[] };
}

/** GET .../metrics and GET .../preview as the API answers them (the services' own types; dates as JSON strings). */
type Metrics = Omit<CampaignMetrics, 'series'> & { series: Bucket[] };
type Preview = CampaignPreview;

/** Minutes before a closing from which a set of hours shows as closing soon. */
const CLOSING_SOON_MS = 60 * 60_000;

/** An instant as the clocks of `zone` show it: "Tue 20:50". */
const inZone = (iso: string, zone: string) =>
  new Date(iso).toLocaleString([], { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit' });

/** Which of the contacts' zones are open, closing soon or closed now, with the next change of each. */
function hoursNowTable(preview: Preview): HTMLElement {
  const at = new Date(preview.at).getTime();
  const rows = preview.hoursNow.map((set) => {
    const zone = set.zones[0] ?? 'UTC';
    const closing = set.closesAt !== undefined && new Date(set.closesAt).getTime() - at <= CLOSING_SOON_MS;
    const state = !set.open ? 'Closed' : closing ? 'Closing soon' : 'Open';
    const next = set.open
      ? set.closesAt
        ? `until ${inZone(set.closesAt, zone)}`
        : 'all of the next 24 hours'
      : set.opensAt
        ? `opens ${inZone(set.opensAt, zone)}`
        : 'no opening within 8 days';
    return el(
      'tr',
      { class: state === 'Open' ? 'open' : state === 'Closed' ? 'closed' : 'closing' },
      el('td', {}, set.zones.join(', ') || 'no zone'),
      el('td', {}, set.regions.join(', ')),
      el('td', {}, String(set.contacts)),
      el('td', {}, state),
      el('td', {}, `${next}${set.zones.length > 0 ? ` (${zone})` : ''}`),
    );
  });
  return el(
    'table',
    { id: 'hours-now' },
    el(
      'caption',
      { class: 'muted' },
      'Calling hours now, by the zones the open contacts may be in (largest first)',
    ),
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        ...['Zones', 'Places', 'Contacts', 'Now', 'Next change'].map((h) => el('th', { scope: 'col' }, h)),
      ),
    ),
    el('tbody', {}, ...rows),
  );
}

/** The preview works out every contact group's hours: asked once a minute, not at every refresh. */
const PREVIEW_MS = 60_000;
let preview: { campaignId: string; read: number; answer: Preview } | undefined;

const CANNOT: Record<string, string> = {
  noZone: 'No zone could be determined',
  holiday: 'A holiday where they may be',
  blockedDate: 'A date the campaign blocked',
  outsideHours: 'Outside their hours all day',
  listed: 'On the do-not-call list (of those checked)',
  limit: 'At their per-recipient limit (of those checked)',
};

const CONTROLS: Record<string, Array<{ action: string; effect: string }>> = {
  draft: [
    { action: 'start', effect: 'Start calling its contacts inside their calling hours?' },
    { action: 'delete', effect: 'Delete this draft and its contacts for good?' },
  ],
  running: [
    {
      action: 'pause',
      effect: 'Pause: calls ringing finish, nothing more is released until you resume. Pause?',
    },
    {
      action: 'cancel',
      effect: 'Cancel for good: its open contacts will never be called. Cancel the campaign?',
    },
  ],
  paused: [
    { action: 'resume', effect: 'Resume releasing its contacts?' },
    {
      action: 'cancel',
      effect: 'Cancel for good: its open contacts will never be called. Cancel the campaign?',
    },
  ],
};

async function previewOf(campaignId: string, path: string): Promise<Preview> {
  if (preview?.campaignId === campaignId && Date.now() - preview.read < PREVIEW_MS) return preview.answer;
  const answer = await api<Preview>('GET', `${path}/preview`);
  preview = { campaignId, read: Date.now(), answer };
  return answer;
}

/** The next 24 hours as bars (each labelled with its figures, for every reader), and who cannot be called. */
function hoursPanel(hours: Preview): HTMLElement {
  const most = Math.max(1, ...hours.hours.map((h) => h.callable));
  const bars = hours.hours.map((h) => {
    const hour = new Date(h.from).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    const label = `${hour}: ${h.callable} callable, ${h.atPace} at the campaign's pace`;
    const bar = el('span', { class: 'bar' });
    // Through the style object: the page's policy refuses inline style attributes.
    bar.style.height = `${Math.round((h.callable / most) * 100)}%`;
    return el('li', { title: label }, bar, el('span', { class: 'visually-hidden' }, label));
  });
  const cannot = Object.entries(hours.cannot)
    .filter(([, n]) => n > 0)
    .map(([why, n]) => el('li', {}, `${CANNOT[why] ?? why}: ${n}`));
  return el(
    'section',
    { class: 'panel', 'aria-labelledby': 'hours-title', id: 'hours' },
    el('h2', { id: 'hours-title' }, 'Calling hours, now and the next 24 hours'),
    hoursNowTable(hours),
    el(
      'p',
      { class: 'muted' },
      `Contacts inside their calling hours at the start of each hour, from now (${hours.contactsOpen} open).`,
    ),
    el('ol', { class: 'bars', 'aria-label': 'Callable contacts per hour' }, ...bars),
    cannot.length > 0
      ? el('div', {}, el('h3', {}, 'Cannot be called'), el('ul', {}, ...cannot))
      : el('p', {}, 'Every open contact can be called at some hour.'),
  );
}

/** Contacts done, by why (answered, opted out, attempts used up, do-not-call, ...), most first. */
function doneByReason(done: Record<string, number>): HTMLElement {
  const reasons = Object.entries(done).sort(([, a], [, b]) => b - a);
  return el(
    'section',
    { 'aria-labelledby': 'done-title' },
    el('h2', { id: 'done-title' }, 'Contacts done, by why'),
    reasons.length === 0
      ? el('p', { class: 'muted' }, 'None yet.')
      : el(
          'ul',
          { id: 'done' },
          ...reasons.map(([why, n]) => el('li', {}, `${why.replace(/_/g, ' ')}: ${n}`)),
        ),
  );
}

function tile(name: string, value: string, before?: string): HTMLElement {
  return el(
    'div',
    { class: 'tile' },
    el('div', { class: 'value' }, value),
    el('div', { class: 'name' }, name),
    ...(before === undefined ? [] : [el('div', { class: 'before' }, `The hour before: ${before}`)]),
  );
}

const percent = (rate: number | null) =>
  rate === null ? '-' : `${(rate * 100).toFixed(rate < 0.1 ? 1 : 0)}%`;
const decimal = (value: number | null) => (value === null ? '-' : value.toFixed(2));

/** The last hour's figures (the quarter under way included), each beside the hour before. */
function figureTiles(status: CampaignStatus, hour: Metrics): HTMLElement[] {
  const { period: now, previous: before } = hour;
  return [
    tile('Calls per minute', now.dialsPerMinute.toFixed(1), before.dialsPerMinute.toFixed(1)),
    tile('Calls in flight', String(status.callsInFlight)),
    tile('Answer rate', percent(now.answerRate), percent(before.answerRate)),
    tile('Right-party contact rate', percent(now.rightPartyRate), percent(before.rightPartyRate)),
    tile('Attempts per contact', decimal(now.attemptsPerContact), decimal(before.attemptsPerContact)),
    tile('List penetration', percent(now.penetration), percent(before.penetration)),
    tile('Opt-outs', String(now.optOuts), String(before.optOuts)),
    tile('Do-not-call skips', String(now.dncSkips), String(before.dncSkips)),
    tile('Contacts', String(status.contacts)),
    tile('Open', String(status.contactsOpen)),
    tile('Estimated finish', when(status.estimatedFinishAt)),
  ];
}

/** Where the campaign's traces are: every function's root span carries its id. */
function tracesPanel(config: NonNullable<Awaited<ReturnType<typeof pageConfig>>>, id: string): HTMLElement {
  const where = config.traces.kind === 'local' ? 'the local trace viewer' : 'the X-Ray console';
  return el(
    'section',
    { 'aria-labelledby': 'traces-title', id: 'traces' },
    el('h2', { id: 'traces-title' }, 'Traces'),
    el(
      'p',
      {},
      el(
        'a',
        { href: traceLink(config, id), target: '_blank', rel: 'noopener' },
        `This campaign's traces in ${where}`,
      ),
      ' (filter: ',
      el('code', {}, traceFilter(id)),
      ')',
    ),
  );
}

/** The last 24 hours for the chart, then the last hour of the same clock (the API's) for the tiles. */
async function metricsOf(path: string): Promise<{ day: Metrics; hour: Metrics }> {
  const day = await api<Metrics>('GET', `${path}/metrics`);
  const from = new Date(new Date(day.to).getTime() - 3_600_000).toISOString();
  const query = new URLSearchParams({ from, to: day.to });
  return { day, hour: await api<Metrics>('GET', `${path}/metrics?${query}`) };
}

export async function campaignView(id: string, view: ViewContext): Promise<Child[]> {
  const path = `campaigns/${encodeURIComponent(id)}`;
  const [status, hours, metrics, config] = await Promise.all([
    api<CampaignStatus>('GET', path),
    previewOf(id, path),
    metricsOf(path),
    pageConfig(),
  ]);
  const why = status.dialling;
  const controls = (CONTROLS[status.status] ?? []).map(({ action, effect }) => {
    const button = el(
      'button',
      { type: 'button', 'data-action': action },
      action[0]?.toUpperCase() + action.slice(1),
    );
    button.addEventListener('click', async () => {
      if (!window.confirm(effect)) return;
      try {
        if (action === 'delete') {
          await api('DELETE', path);
          window.location.hash = '#/';
        } else await api('POST', `${path}/${action}`);
        view.say(undefined);
      } catch (error) {
        view.say(error instanceof Error ? error.message : String(error));
      }
      await view.route();
    });
    return button;
  });
  return [
    el('h1', {}, status.settings?.name ?? status.campaignId),
    el('p', {}, `Status: ${status.status}`),
    el(
      'section',
      { class: `panel ${why?.dialling ? 'dialling' : 'idle'}`, 'aria-labelledby': 'why-title', id: 'why' },
      el('h2', { id: 'why-title' }, why?.dialling ? 'Dialling' : 'Why is it not dialling?'),
      el('p', { id: 'why-message' }, why?.message ?? '-'),
      ...(why?.until ? [el('p', {}, `Until ${when(why.until)}`)] : []),
    ),
    el('div', { class: 'controls' }, ...controls),
    el(
      'section',
      { 'aria-label': 'Figures' },
      el('div', { class: 'tiles', id: 'tiles' }, ...figureTiles(status, metrics.hour)),
    ),
    outcomesChart(metrics.day.series, document.getElementById('main')?.clientWidth ?? 640),
    doneByReason(status.contactsDone),
    hoursPanel(hours),
    ...(config ? [tracesPanel(config, id)] : []),
    el(
      'p',
      { class: 'controls' },
      el('a', { href: `#/${contactPath(id)}` }, 'Contacts and their calls'),
      ...(status.status === 'completed' || status.status === 'cancelled'
        ? []
        : [el('a', { href: `#/campaigns/${encodeURIComponent(id)}/edit` }, 'Settings')]),
      ...(status.status === 'draft'
        ? [el('a', { href: `#/campaigns/${encodeURIComponent(id)}/import` }, 'Import contacts (CSV)')]
        : []),
      el('a', { href: '#/' }, 'All campaigns'),
    ),
  ];
}
