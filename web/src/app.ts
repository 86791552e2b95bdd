/**
 * The campaign dashboard: campaigns, a campaign live with why it is or is not dialling and its controls, its contacts
 * and their calls, the do-not-call list. Plain DOM, no framework: every value goes in as text, never as markup.
 */
import { ApiProblem, api, localToken, token } from './api.ts';
import { type Child, el, when } from './dom.ts';
import { doNotCallView } from './doNotCall.ts';

interface CampaignSummary {
  campaignId: string;
  name: string;
  status: string;
  createdAt: string;
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

interface Preview {
  at: string;
  contactsOpen: number;
  hours: Array<{ from: string; callable: number; atPace: number }>;
  cannot: Record<string, number>;
  checked: number;
}

const REFRESH_MS = 5_000;
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
const main = document.getElementById('main') as HTMLElement;
const notice = document.getElementById('notice') as HTMLElement;
const signOut = document.getElementById('sign-out') as HTMLButtonElement;
let refresh: number | undefined;
/** Each route() is a generation: an answer that arrives after a newer route started is not shown. */
let generation = 0;
/** Why the last token was refused: the sign-in screen says it until a new token is given. */
let refused: string | undefined;

/** What names a focusable element across a refresh: its id, its action, or where it links. */
const focusKey = (node: Element | null): string | undefined =>
  node === null || !main.contains(node)
    ? undefined
    : node.id || node.getAttribute('data-action') || node.getAttribute('href') || undefined;

/** Replaces the view; the element that had the focus has it again after a refresh (keyboard users keep their place). */
function show(...children: Child[]): void {
  const key = focusKey(document.activeElement);
  main.replaceChildren(...children);
  if (key === undefined) return;
  const again = [...main.querySelectorAll<HTMLElement>('[id], [data-action], [href]')].find(
    (node) => focusKey(node) === key,
  );
  again?.focus();
}

function say(message: string | undefined): void {
  notice.hidden = message === undefined;
  notice.textContent = message ?? '';
}

function useToken(value: string): void {
  token.set(value);
  refused = undefined;
  void route();
}

function tokenForm(): void {
  signOut.hidden = true;
  const field = el('textarea', { id: 'token', rows: '4', autocomplete: 'off', spellcheck: 'false' });
  const use = el('button', { type: 'submit' }, 'Sign in');
  const form = el(
    'form',
    {},
    el('h1', {}, 'Sign in'),
    el('p', {}, refused ?? 'Paste your bearer token. It is kept for this tab only.'),
    el('label', { for: 'token' }, 'Bearer token'),
    field,
    el('div', { class: 'controls' }, use),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    useToken((field as HTMLTextAreaElement).value);
  });
  show(form);
  void localToken().then((local) => {
    if (local === undefined) return;
    const useLocal = el('button', { type: 'button', class: 'secondary' }, 'Use the local demo token');
    useLocal.addEventListener('click', () => useToken(local));
    form.querySelector('.controls')?.append(useLocal);
  });
}

async function campaignsView(): Promise<Child[]> {
  const { campaigns } = await api<{ campaigns: CampaignSummary[] }>('GET', 'campaigns');
  const rows = campaigns.map((c) =>
    el(
      'tr',
      {},
      el('td', {}, el('a', { href: `#/campaigns/${encodeURIComponent(c.campaignId)}` }, c.name)),
      el('td', {}, c.status),
      el('td', {}, when(c.createdAt)),
    ),
  );
  return [
    el('h1', {}, 'Campaigns'),
    campaigns.length === 0
      ? el('p', {}, 'No campaigns yet.')
      : el(
          'table',
          {},
          el('caption', { class: 'muted' }, 'Your campaigns, newest first'),
          el(
            'thead',
            {},
            el(
              'tr',
              {},
              el('th', { scope: 'col' }, 'Name'),
              el('th', { scope: 'col' }, 'Status'),
              el('th', { scope: 'col' }, 'Created'),
            ),
          ),
          el('tbody', {}, ...rows),
        ),
  ];
}

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
    el('h2', { id: 'hours-title' }, 'Calling hours, the next 24 hours'),
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

function tile(name: string, value: string): HTMLElement {
  return el(
    'div',
    { class: 'tile' },
    el('div', { class: 'value' }, value),
    el('div', { class: 'name' }, name),
  );
}

async function campaignView(id: string): Promise<Child[]> {
  const path = `campaigns/${encodeURIComponent(id)}`;
  const [status, hours] = await Promise.all([api<CampaignStatus>('GET', path), previewOf(id, path)]);
  const calls = Object.values(status.outcomes).reduce((a, b) => a + b, 0);
  const answered = status.outcomes.answered ?? 0;
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
        say(undefined);
      } catch (error) {
        say(error instanceof Error ? error.message : String(error));
      }
      await route();
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
      el(
        'div',
        { class: 'tiles' },
        tile('Contacts', String(status.contacts)),
        tile('Open', String(status.contactsOpen)),
        tile('Calls in flight', String(status.callsInFlight)),
        tile('Calls placed', String(calls)),
        tile('Answer rate', calls === 0 ? '-' : `${Math.round((answered / calls) * 100)}%`),
        tile('Estimated finish', when(status.estimatedFinishAt)),
      ),
    ),
    doneByReason(status.contactsDone),
    hoursPanel(hours),
    el(
      'p',
      { class: 'controls' },
      el('a', { href: `#/${contactPath(id)}` }, 'Contacts and their calls'),
      el('a', { href: '#/' }, 'All campaigns'),
    ),
  ];
}

interface ContactRow {
  id: string;
  phoneNumber: string;
  zones: Record<string, string[]>;
  state?: string;
}

interface Attempt {
  attempt: number;
  status: string;
  initiatedAt?: string;
  outcome?: string;
  compliance?: unknown;
}

const contactPath = (campaignId: string, contactId?: string) =>
  `campaigns/${encodeURIComponent(campaignId)}/contacts${contactId ? `/${encodeURIComponent(contactId)}` : ''}`;

/** A campaign's contacts, a page at a time (id order): each links to its calls. */
async function contactsView(campaignId: string): Promise<Child[]> {
  const { contacts } = await api<{ contacts: ContactRow[] }>('GET', `${contactPath(campaignId)}?limit=50`);
  const rows = contacts.map((c) =>
    el(
      'tr',
      {},
      el('td', {}, el('a', { href: `#/${contactPath(campaignId, c.id)}` }, c.id)),
      el('td', {}, c.phoneNumber),
      el('td', {}, Object.keys(c.zones).join(', ') || 'none'),
      el('td', {}, c.state ?? 'not called yet'),
    ),
  );
  return [
    el('h1', {}, 'Contacts'),
    el(
      'table',
      {},
      el('caption', { class: 'muted' }, 'The first 50, in id order'),
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ...['Contact', 'Number', 'Zones it may be in', 'Last call'].map((h) =>
            el('th', { scope: 'col' }, h),
          ),
        ),
      ),
      el('tbody', {}, ...rows),
    ),
    el('p', {}, el('a', { href: `#/campaigns/${encodeURIComponent(campaignId)}` }, 'Back to the campaign')),
  ];
}

/** A contact's calls, each with its outcome and its compliance record: why the call was allowed. */
async function attemptsView(campaignId: string, contactId: string): Promise<Child[]> {
  const { attempts } = await api<{ attempts: Attempt[] }>(
    'GET',
    `${contactPath(campaignId, contactId)}/attempts`,
  );
  return [
    el('h1', {}, `Contact ${contactId}`),
    attempts.length === 0
      ? el('p', {}, 'No calls yet.')
      : el(
          'div',
          {},
          ...attempts.map((a) =>
            el(
              'section',
              { class: 'panel attempt' },
              el('h2', {}, `Call ${a.attempt}: ${a.outcome ?? a.status}`),
              el('p', {}, `Sent ${when(a.initiatedAt)}`),
              el('h3', {}, 'Why it was allowed'),
              el('pre', { class: 'record', tabindex: '0' }, JSON.stringify(a.compliance ?? {}, null, 2)),
            ),
          ),
        ),
    el('p', {}, el('a', { href: `#/${contactPath(campaignId)}` }, 'All contacts')),
  ];
}

async function route(): Promise<void> {
  window.clearTimeout(refresh);
  if (token.get() === null) {
    tokenForm();
    return;
  }
  signOut.hidden = false;
  const [, campaignId, part, contactId] = /^#\/campaigns\/([^/]+)(?:\/(contacts)(?:\/([^/]+))?)?$/.exec(
    window.location.hash,
  ) ?? [undefined, undefined];
  const decoded = (value: string) => decodeURIComponent(value);
  const mine = ++generation;
  try {
    const view =
      window.location.hash === '#/do-not-call'
        ? doNotCallView()
        : campaignId && contactId
          ? await attemptsView(decoded(campaignId), decoded(contactId))
          : campaignId && part
            ? await contactsView(decoded(campaignId))
            : campaignId
              ? await campaignView(decoded(campaignId))
              : await campaignsView();
    if (mine !== generation) return;
    show(...view);
    say(undefined);
  } catch (error) {
    if (mine !== generation) return;
    if (error instanceof ApiProblem && error.needsToken) {
      token.clear();
      refused = error.message;
      tokenForm();
      return;
    }
    say(error instanceof Error ? error.message : String(error));
  }
  // Live: the view refreshes itself every few seconds, without reloading the page (forms are left as they are).
  if (window.location.hash !== '#/do-not-call') refresh = window.setTimeout(() => void route(), REFRESH_MS);
}

signOut.addEventListener('click', () => {
  token.clear();
  void route();
});
window.addEventListener('hashchange', () => void route());
void route();
