/**
 * Creating a campaign and changing its settings: a form of the settings the API takes, checked in the page with the
 * very validators the API runs (generated from schemas/ by `npm run schemas`), each problem beside its field; what
 * only the API can check (the caller id as a number, the window's order) comes back the same way.
 */
import type { ErrorObject } from 'ajv';
import createSchema from '../../schemas/createCampaignRequest.schema.json';
import validateSettings from '../../src/generated/campaignSettings.validate.cjs';
import { ApiProblem, api } from './api.ts';
import { type Child, el } from './dom.ts';

type Settings = Record<string, unknown>;
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

interface Field {
  /** The setting's path in the request body, dotted: `pacing.callsPerMinute`. */
  path: string;
  label: string;
  kind: 'text' | 'tel' | 'integer' | 'number' | 'time' | 'datetime' | 'dates' | 'select' | 'boolean' | 'days';
  hint?: string;
  options?: string[];
  /** A started campaign may still change it (the API's rule; it answers 409 for the rest). */
  whileStarted?: boolean;
  step?: string;
}

const FIELDS: Field[] = [
  { path: 'name', label: 'Name', kind: 'text' },
  { path: 'callerId', label: 'Caller id', kind: 'tel', hint: 'The number the called party sees.' },
  { path: 'callFlow', label: 'Call flow', kind: 'text', hint: 'What the telephony side plays.' },
  {
    path: 'purpose',
    label: 'Purpose',
    kind: 'select',
    options: ['telemarketing', 'informational', 'healthcare', 'debt_collection'],
    hint: 'Chooses the per-number limits across your campaigns.',
  },
  { path: 'callingWindow.start', label: 'Calls from (local time)', kind: 'time', whileStarted: true },
  { path: 'callingWindow.end', label: 'Calls until (local time)', kind: 'time', whileStarted: true },
  { path: 'callingWindow.days', label: 'Days', kind: 'days', whileStarted: true },
  {
    path: 'blockedDates',
    label: 'Dates without calls',
    kind: 'dates',
    hint: 'YYYY-MM-DD, separated by commas.',
    whileStarted: true,
  },
  { path: 'pacing.callsPerMinute', label: 'Calls per minute', kind: 'integer', whileStarted: true },
  { path: 'pacing.maxConcurrentCalls', label: 'Calls at once, at most', kind: 'integer', whileStarted: true },
  { path: 'maxAttempts', label: 'Attempts per contact', kind: 'integer' },
  { path: 'retryDelays.busy', label: 'Retry after busy (minutes)', kind: 'integer' },
  { path: 'retryDelays.no_answer', label: 'Retry after no answer (minutes)', kind: 'integer' },
  { path: 'retryDelays.machine', label: 'Retry after a machine (minutes)', kind: 'integer' },
  { path: 'retryDelays.failed', label: 'Retry after a failure (minutes)', kind: 'integer' },
  {
    path: 'startAt',
    label: 'Start calling at',
    kind: 'datetime',
    hint: 'Your local time; empty: when started.',
  },
  { path: 'endAt', label: 'Stop calling at', kind: 'datetime', whileStarted: true },
  {
    path: 'bestTimeToCall.enabled',
    label: 'Order calls by the best time to call',
    kind: 'boolean',
    whileStarted: true,
  },
  {
    path: 'bestTimeToCall.controlShare',
    label: 'Control share (0 to 0.5)',
    kind: 'number',
    step: '0.01',
    whileStarted: true,
  },
  {
    path: 'bestTimeToCall.maxHoldHours',
    label: 'Hold for a better hour, at most (hours)',
    kind: 'number',
    step: '0.5',
    whileStarted: true,
  },
];

const idOf = (path: string) => `f-${path.replace(/[._]/g, '-')}`;

function read(settings: Settings, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value as Settings | undefined)?.[key], settings);
}

function write(settings: Settings, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop() as string;
  let node = settings;
  for (const key of keys) {
    node[key] ??= {};
    node = node[key] as Settings;
  }
  node[last] = value;
}

/** datetime-local wants the local time without a zone; the API takes an instant. */
const toLocalInput = (iso: unknown) => {
  if (typeof iso !== 'string') return '';
  const at = new Date(iso);
  return new Date(at.getTime() - at.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

function input(field: Field, value: unknown, disabled: boolean): HTMLElement {
  const id = idOf(field.path);
  const common: Record<string, string> = { id, name: field.path, 'aria-describedby': `${id}-error` };
  if (disabled) common.disabled = '';
  if (field.kind === 'select') {
    const select = el('select', common, ...(field.options ?? []).map((o) => el('option', { value: o }, o)));
    (select as HTMLSelectElement).value = typeof value === 'string' ? value : (field.options?.[0] ?? '');
    return select;
  }
  if (field.kind === 'boolean') {
    const box = el('input', { ...common, type: 'checkbox' }) as HTMLInputElement;
    box.checked = value === true;
    return box;
  }
  if (field.kind === 'days') {
    const chosen = new Set(Array.isArray(value) ? value : DAYS);
    return el(
      'div',
      {
        class: 'days',
        id,
        role: 'group',
        'aria-labelledby': `${id}-label`,
        'aria-describedby': `${id}-error`,
      },
      ...DAYS.map((day) => {
        const box = el('input', {
          type: 'checkbox',
          id: `${id}-${day}`,
          value: day,
          ...(disabled ? { disabled: '' } : {}),
        }) as HTMLInputElement;
        box.checked = chosen.has(day);
        return el('label', { for: `${id}-${day}`, class: 'day' }, box, day);
      }),
    );
  }
  const type = {
    text: 'text',
    tel: 'tel',
    integer: 'number',
    number: 'number',
    time: 'time',
    datetime: 'datetime-local',
    dates: 'text',
  }[field.kind];
  const box = el('input', {
    ...common,
    type,
    ...(field.kind === 'integer' ? { step: '1', inputmode: 'numeric' } : {}),
    ...(field.step ? { step: field.step } : {}),
    autocomplete: 'off',
  }) as HTMLInputElement;
  box.value =
    field.kind === 'datetime'
      ? toLocalInput(value)
      : field.kind === 'dates'
        ? Array.isArray(value)
          ? value.join(', ')
          : ''
        : value === undefined || value === null
          ? ''
          : String(value);
  return box;
}

/** The settings the form holds, as the API takes them: empty fields left out (the API's defaults, or unchanged). */
function settingsOf(form: HTMLFormElement): Settings {
  const settings: Settings = {};
  for (const field of FIELDS) {
    const id = idOf(field.path);
    if (field.kind === 'days') {
      if ((form.querySelector(`#${id}-mon`) as HTMLInputElement).disabled) continue;
      const days = DAYS.filter((day) => (form.querySelector(`#${id}-${day}`) as HTMLInputElement).checked);
      write(settings, field.path, days);
      continue;
    }
    const node = form.querySelector(`#${id}`) as HTMLInputElement | HTMLSelectElement;
    // What a started campaign can no longer change is shown, never sent.
    if (node.disabled) continue;
    if (field.kind === 'boolean') {
      write(settings, field.path, (node as HTMLInputElement).checked);
      continue;
    }
    const text = node.value.trim();
    if (text === '') continue;
    if (field.kind === 'integer' || field.kind === 'number') write(settings, field.path, Number(text));
    else if (field.kind === 'datetime') write(settings, field.path, new Date(text).toISOString());
    else if (field.kind === 'dates')
      write(
        settings,
        field.path,
        text.split(/[\s,]+/).filter((d) => d !== ''),
      );
    else write(settings, field.path, text);
  }
  return settings;
}

/** Only what differs from the stored settings (a PATCH changes what it names). */
function changes(stored: Settings, wanted: Settings): Settings {
  const changed: Settings = {};
  for (const field of FIELDS) {
    const value = read(wanted, field.path);
    if (value === undefined) continue;
    const before = read(stored, field.path);
    const same =
      field.kind === 'datetime'
        ? typeof before === 'string' && new Date(before).getTime() === new Date(String(value)).getTime()
        : JSON.stringify(value) === JSON.stringify(before);
    if (!same) write(changed, field.path, value);
  }
  return changed;
}

/** The path a problem names: ajv's instance path, or the first word of the API's sentence ("pacing.x must ..."). */
function problemsByField(errors: Array<{ path: string; message: string }>): Map<string, string[]> {
  const known = new Set(FIELDS.map((f) => f.path));
  const byField = new Map<string, string[]>();
  for (const { path, message } of errors) {
    const field = [...known].find((f) => path === f || path.startsWith(`${f}.`)) ?? '';
    byField.set(field, [...(byField.get(field) ?? []), message]);
  }
  return byField;
}

const fromSchema = (errors: readonly ErrorObject[]) =>
  errors.map((error) => {
    const base = error.instancePath.replace(/^\//, '').replaceAll('/', '.');
    const missing = (error.params as { missingProperty?: string }).missingProperty;
    const path = missing ? (base ? `${base}.${missing}` : missing) : base;
    return { path, message: missing ? 'is required' : (error.message ?? 'is not valid') };
  });

/**
 * The request's problems as the API would find them: the settings' schema (both requests are made of it; one
 * validator keeps the page small) and, for a new campaign, the fields its request schema requires.
 */
function problemsOf(body: Settings, creating: boolean): Array<{ path: string; message: string }> {
  const problems = validateSettings(body) ? [] : fromSchema(validateSettings.errors ?? []);
  if (creating)
    for (const field of createSchema.required)
      if (body[field] === undefined) problems.push({ path: field, message: 'is required' });
  return problems;
}

const fromApi = (details: readonly string[]) =>
  details.map((detail) => {
    const [path = '', ...rest] = detail.split(' ');
    return { path: path.replace(/^body$/, ''), message: rest.join(' ') || detail };
  });

function showProblems(form: HTMLFormElement, problems: Array<{ path: string; message: string }>): void {
  for (const node of form.querySelectorAll('.field-error')) node.textContent = '';
  for (const node of form.querySelectorAll('[aria-invalid]')) node.removeAttribute('aria-invalid');
  const general = form.querySelector('#form-error') as HTMLElement;
  general.textContent = '';
  let first: HTMLElement | undefined;
  for (const [path, messages] of problemsByField(problems)) {
    if (path === '') {
      general.textContent = messages.join('; ');
      continue;
    }
    const id = idOf(path);
    const box = form.querySelector(`#${id}`) as HTMLElement;
    (form.querySelector(`#${id}-error`) as HTMLElement).textContent = messages.join('; ');
    box.setAttribute('aria-invalid', 'true');
    first ??= box;
  }
  (first ?? general).focus();
}

/**
 * The form: empty for a new campaign (`campaignId` undefined), else the campaign's settings, with the fields a
 * started campaign can no longer change shown but not editable.
 */
export async function campaignForm(campaignId?: string): Promise<Child[]> {
  const path = campaignId === undefined ? undefined : `campaigns/${encodeURIComponent(campaignId)}`;
  const stored =
    path === undefined
      ? undefined
      : await api<{ status: string; settings: Settings }>('GET', path).then((c) => ({
          status: c.status,
          settings: c.settings,
        }));
  const started = stored !== undefined && stored.status !== 'draft';
  const values: Settings = stored?.settings ?? {
    purpose: 'telemarketing',
    callingWindow: { start: '09:00', end: '20:00', days: [...DAYS.slice(0, 5)] },
  };
  const rows = FIELDS.map((field) => {
    const id = idOf(field.path);
    const disabled = started && field.whileStarted !== true;
    const box = input(field, read(values, field.path), disabled);
    return el(
      'div',
      { class: `field ${field.kind}` },
      field.kind === 'days'
        ? el('span', { id: `${id}-label`, class: 'label' }, field.label)
        : el('label', { for: id }, field.label),
      box,
      ...(field.hint ? [el('span', { class: 'hint' }, field.hint)] : []),
      el('span', { class: 'field-error', id: `${id}-error`, 'aria-live': 'polite' }),
    );
  });
  const submit = el('button', { type: 'submit' }, stored ? 'Save the changes' : 'Create the draft');
  const form = el(
    'form',
    { class: 'settings', novalidate: '' },
    el('h1', {}, stored ? 'Campaign settings' : 'New campaign'),
    ...(started
      ? [el('p', { class: 'muted' }, 'Started: only its hours, dates, pace, end and best time can change.')]
      : []),
    el('p', { id: 'form-error', class: 'form-error', role: 'alert', tabindex: '-1' }),
    ...rows,
    el(
      'div',
      { class: 'controls' },
      submit,
      el('a', { href: campaignId ? `#/campaigns/${encodeURIComponent(campaignId)}` : '#/' }, 'Back'),
    ),
  ) as HTMLFormElement;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const wanted = settingsOf(form);
    const body = stored ? changes(stored.settings, wanted) : wanted;
    if (stored && Object.keys(body).length === 0) {
      showProblems(form, [{ path: '', message: 'Nothing changed.' }]);
      return;
    }
    const problems = problemsOf(body, stored === undefined);
    if (problems.length > 0) {
      showProblems(form, problems);
      return;
    }
    try {
      const saved = await api<{ campaignId: string }>(stored ? 'PATCH' : 'POST', path ?? 'campaigns', body);
      window.location.hash = `#/campaigns/${encodeURIComponent(saved.campaignId ?? campaignId)}`;
    } catch (error) {
      if (error instanceof ApiProblem)
        showProblems(form, [
          ...(error.details.length > 0 ? fromApi(error.details) : []),
          ...(error.details.length === 0 ? [{ path: '', message: error.message }] : []),
        ]);
      else showProblems(form, [{ path: '', message: String(error) }]);
    }
  });
  return [form];
}
