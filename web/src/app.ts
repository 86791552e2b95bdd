/**
 * The campaign dashboard: campaigns, a campaign live with why it is or is not dialling and its controls, its contacts
 * and their calls, the do-not-call list. Plain DOM, no framework: every value goes in as text, never as markup.
 */
import { ApiProblem, api, localToken, token } from './api.ts';
import { campaignView, contactPath } from './campaign.ts';
import { campaignForm } from './campaignForm.ts';
import { type Child, el, when } from './dom.ts';
import { doNotCallView } from './doNotCall.ts';
import { importForm, importView } from './importView.ts';

interface CampaignSummary {
  campaignId: string;
  name: string;
  status: string;
  createdAt: string;
  progress?: { contacts: number | null; reached: number };
}

/** "412 of 1,000 reached (41%)", or "-" before the campaign started. */
function progressOf(campaign: CampaignSummary): string {
  const progress = campaign.progress;
  if (progress?.contacts === null || progress?.contacts === undefined) return '-';
  const share = progress.contacts > 0 ? Math.round((progress.reached / progress.contacts) * 100) : 0;
  return `${progress.reached.toLocaleString()} of ${progress.contacts.toLocaleString()} reached (${share}%)`;
}

const REFRESH_MS = 5_000;
/** An import's progress is read every second until it ends. */
const IMPORT_REFRESH_MS = 1_000;
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
      el('td', {}, progressOf(c)),
      el('td', {}, when(c.createdAt)),
    ),
  );
  return [
    el('h1', {}, 'Campaigns'),
    el('p', { class: 'controls' }, el('a', { href: '#/new', class: 'button' }, 'New campaign')),
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
              el('th', { scope: 'col' }, 'Progress'),
              el('th', { scope: 'col' }, 'Created'),
            ),
          ),
          el('tbody', {}, ...rows),
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

/** A screen of the page: what it shows, and how soon it is read again (never, for a form). */
interface Screen {
  children: Child[];
  refreshMs?: number;
}

const live = (children: Child[]): Screen => ({ children, refreshMs: REFRESH_MS });
const form = (children: Child[]): Screen => ({ children });

/** The screen the address names: `#/`, `#/new`, `#/do-not-call`, `#/campaigns/ID[/edit|/import|/imports/ID|/contacts[/ID]]`. */
async function screenOf(hash: string): Promise<Screen> {
  if (hash === '#/do-not-call') return form(doNotCallView());
  if (hash === '#/new') return form(await campaignForm());
  const [, rawId, part, rawSub] =
    /^#\/campaigns\/([^/]+)(?:\/(contacts|edit|import|imports)(?:\/([^/]+))?)?$/.exec(hash) ?? [];
  if (rawId === undefined) return live(await campaignsView());
  const id = decodeURIComponent(rawId);
  const sub = rawSub === undefined ? undefined : decodeURIComponent(rawSub);
  if (part === 'edit') return form(await campaignForm(id));
  if (part === 'import') return form(importForm(id));
  if (part === 'imports' && sub !== undefined) {
    const followed = await importView(id, sub, { route });
    return { children: followed.children, ...(followed.ended ? {} : { refreshMs: IMPORT_REFRESH_MS }) };
  }
  if (part === 'contacts') return live(sub ? await attemptsView(id, sub) : await contactsView(id));
  return live(await campaignView(id, { say, route }));
}

async function route(): Promise<void> {
  window.clearTimeout(refresh);
  if (token.get() === null) {
    tokenForm();
    return;
  }
  signOut.hidden = false;
  const mine = ++generation;
  let refreshMs: number | undefined;
  try {
    const screen = await screenOf(window.location.hash);
    if (mine !== generation) return;
    show(...screen.children);
    say(undefined);
    refreshMs = screen.refreshMs;
  } catch (error) {
    if (mine !== generation) return;
    if (error instanceof ApiProblem && error.needsToken) {
      token.clear();
      refused = error.message;
      tokenForm();
      return;
    }
    say(error instanceof Error ? error.message : String(error));
    refreshMs = REFRESH_MS;
  }
  // Live: the view refreshes itself every few seconds, without reloading the page (forms are left as they are).
  if (refreshMs !== undefined) refresh = window.setTimeout(() => void route(), refreshMs);
}

signOut.addEventListener('click', () => {
  token.clear();
  void route();
});
window.addEventListener('hashchange', () => void route());
void route();
