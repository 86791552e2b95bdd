/**
 * The do-not-call list's screen: look a number up (any caller; with `dnc:admin`, who added it, why, and its history),
 * add one (`dnc:write` or `dnc:admin`), remove one with a reason (`dnc:admin`). The forms a token's scopes do not
 * allow are not shown. Numbers go in request bodies only, never in the page's address.
 */
import { api, tokenScopes } from './api.ts';
import { type Child, el, when } from './dom.ts';

interface Entry {
  phoneNumber: string;
  listed: boolean;
  addedAt?: string;
  addedBy?: string;
  reason?: string;
  history?: Array<{ action: string; at: string; by?: string; reason?: string }>;
}

/** A form of labelled fields whose submit calls `act` and shows its answer (or its refusal) in `result`. */
function form(
  id: string,
  title: string,
  fields: Array<{ name: string; label: string; type?: string; required?: boolean }>,
  act: (values: Record<string, string>) => Promise<Child[]>,
): HTMLElement {
  const result = el('div', { id: `${id}-result`, role: 'status' });
  const inputs = fields.map((f) =>
    el(
      'p',
      {},
      el('label', { for: `${id}-${f.name}` }, f.label),
      el('input', {
        id: `${id}-${f.name}`,
        name: f.name,
        type: f.type ?? 'text',
        autocomplete: 'off',
        ...(f.required === false ? {} : { required: '' }),
      }),
    ),
  );
  const node = el(
    'form',
    { class: 'panel', id, 'aria-labelledby': `${id}-title` },
    el('h2', { id: `${id}-title` }, title),
    ...inputs,
    el('button', { type: 'submit' }, title),
    result,
  );
  node.addEventListener('submit', async (event) => {
    event.preventDefault();
    const values = Object.fromEntries(
      fields.map((f) => [
        f.name,
        (node.querySelector(`[name="${f.name}"]`) as HTMLInputElement).value.trim(),
      ]),
    );
    try {
      result.replaceChildren(...(await act(values)));
    } catch (error) {
      result.replaceChildren(
        el('p', { class: 'error' }, error instanceof Error ? error.message : String(error)),
      );
    }
  });
  return node;
}

function describe(entry: Entry): Child[] {
  const lines: Child[] = [el('p', {}, entry.listed ? `Listed since ${when(entry.addedAt)}` : 'Not listed')];
  if (entry.addedBy)
    lines.push(el('p', {}, `Added by ${entry.addedBy}${entry.reason ? `: ${entry.reason}` : ''}`));
  if (entry.history && entry.history.length > 0)
    lines.push(
      el(
        'table',
        {},
        el('caption', { class: 'muted' }, 'History'),
        el(
          'thead',
          {},
          el('tr', {}, ...['What', 'When', 'Who', 'Why'].map((h) => el('th', { scope: 'col' }, h))),
        ),
        el(
          'tbody',
          {},
          ...entry.history.map((h) =>
            el(
              'tr',
              {},
              el('td', {}, h.action),
              el('td', {}, when(h.at)),
              el('td', {}, h.by ?? '-'),
              el('td', {}, h.reason ?? '-'),
            ),
          ),
        ),
      ),
    );
  return lines;
}

export function doNotCallView(): Child[] {
  const scopes = tokenScopes();
  const number = { name: 'phoneNumber', label: 'Phone number (E.164, +1...)', type: 'tel' };
  const lookup = form('dnc-lookup', 'Look up', [number], async ({ phoneNumber }) =>
    describe(await api<Entry>('POST', 'blacklist/lookup', { phoneNumber })),
  );
  const canAdd = scopes.has('dnc:write') || scopes.has('dnc:admin');
  const add = form(
    'dnc-add',
    'Add',
    [number, { name: 'reason', label: 'Reason (optional)', required: false }],
    async ({ phoneNumber, reason }) => {
      const entry = await api<Entry>('POST', 'blacklist', { phoneNumber, ...(reason ? { reason } : {}) });
      return [el('p', {}, `Listed since ${when(entry.addedAt)}`)];
    },
  );
  const remove = form(
    'dnc-remove',
    'Remove',
    [number, { name: 'reason', label: 'Reason' }],
    async ({ phoneNumber, reason }) => {
      await api<Entry>('POST', 'blacklist/remove', { phoneNumber, reason });
      return [el('p', {}, 'Removed; the removal is kept in its history')];
    },
  );
  return [
    el('h1', {}, 'Do-not-call list'),
    el('p', { class: 'muted' }, 'Listed numbers are never called, in any campaign of any owner.'),
    lookup,
    ...(canAdd ? [add] : []),
    ...(scopes.has('dnc:admin') ? [remove] : []),
    ...(canAdd ? [] : [el('p', { class: 'muted' }, 'Your token may look numbers up only.')]),
  ];
}
