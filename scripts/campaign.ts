/**
 * `npm run campaign -- <command>`: the campaign API from the command line, against the local system (`npm start`)
 * by default, or any stage with `--api` and `--token`.
 */
import { existsSync, openAsBlob, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import { DEV_TOKEN_FILE, STACK_FILE } from '../local/paths.ts';

const USAGE = `Usage: npm run campaign -- <command> [options]

Commands:
  create --name NAME --caller-id NUMBER --call-flow REF [--settings FILE.json]
  list [--limit N]
  show ID                        its settings and progress: contacts by state and outcome, calls in flight, the
                                 next release and an estimated finish
  update ID --settings FILE.json
  delete ID                      a draft is deleted; a started campaign is cancelled
  start ID [--dry-run]
  pause ID | resume ID | cancel ID
  preview ID                     how many contacts can be called in each of the next 24 hours, and why not
  metrics ID [--from ISO] [--to ISO] [--bucket 15m|1h|1d]
                                 calls, skips, outcomes and opt-outs per bucket (the last 24 hours in 15 minutes by
                                 default), and the window's figures beside the window before
  model ID                       best time to call: the model in use, and the contact rate of each arm
  model train                    trains your answer model now from your calls (as the daily training does)
  attempts ID CONTACT_ID         a contact's calls, each with its outcome and compliance record
  contacts add ID FILE.json      a JSON array of { phoneNumber, id?, timeZone?, usState?, postalCode?, attributes? },
                                 sent 1,000 at a time
  contacts list ID [--limit N]
  import ID FILE.csv [--phone-column NAME]
                                 uploads a CSV file (a phone column, found by its usual names or named; optional id,
                                 time_zone, us_state, postal_code; others: attributes; UTF-8, UTF-16 or a legacy
                                 encoding such as Windows-1252, detected), follows the import, and saves the refused
                                 rows next to it (FILE.rejects.csv)
  import status ID IMPORT_ID     an import's status and counts (also: import-status)
  import cancel ID IMPORT_ID     stops an import; the contacts it added stay

Options:
  --api URL       the API (default: the running npm start's, as .local/stack.json gives it; else
                  http://127.0.0.1:$PORT or 3000)
  --token TOKEN   a bearer token (default: the local dev token, .local/dev-token)
  --help          this text`;

/** Contacts per request: the API's limit. */
const CONTACTS_PER_REQUEST = 1_000;

function usageError(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function parse() {
  return parseArgs({
    allowPositionals: true,
    strict: true,
    options: {
      api: { type: 'string' },
      token: { type: 'string' },
      name: { type: 'string' },
      'caller-id': { type: 'string' },
      'call-flow': { type: 'string' },
      settings: { type: 'string' },
      limit: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      bucket: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      'phone-column': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
}

let args: ReturnType<typeof parse>;
try {
  args = parse();
} catch (error) {
  usageError(error instanceof Error ? error.message : String(error));
}
const { values, positionals } = args;
if (values.help || positionals.length === 0) {
  console.log(USAGE);
  process.exit(values.help ? 0 : 2);
}

/** The API of the running `npm start` (its address in .local/stack.json), else the default local port. */
function localApi(): string {
  if (process.env.PORT) return `http://127.0.0.1:${process.env.PORT}`;
  // The running stack's own address: it may serve on another port than this shell's PORT says.
  try {
    const state = JSON.parse(readFileSync(STACK_FILE, 'utf8')) as { api?: unknown };
    if (typeof state.api === 'string') return state.api;
  } catch {
    // No stack running: the default.
  }
  return 'http://127.0.0.1:3000';
}

const api = (values.api ?? localApi()).replace(/\/$/, '');
const tokenFile = DEV_TOKEN_FILE;
const token =
  values.token ??
  process.env.CAMPAIGN_API_TOKEN ??
  (existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : '');
if (!token) usageError('No token: give --token, or run `npm start` once for the local dev token');

/**
 * Calls the API; a refusal prints its message (and details) and exits 1. `retries`: how many times a request that
 * got no answer, or a 5xx, is sent again (reads only: a status followed while the stack is busy).
 */
async function call(method: string, path: string, body?: unknown, retries = 0): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${api}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    if (retries > 0) {
      await sleep(RETRY_MS);
      return call(method, path, body, retries - 1);
    }
    console.error(
      `The API at ${api} did not answer (${(error as Error).message}); is \`npm start\` running?`,
    );
    process.exit(1);
  }
  if (response.status >= 500 && retries > 0) {
    await response.body?.cancel();
    await sleep(RETRY_MS);
    return call(method, path, body, retries - 1);
  }
  const text = await response.text();
  const parsed = text ? (JSON.parse(text) as { message?: string; details?: string[] }) : {};
  if (!response.ok) {
    console.error(`${method} ${path}: ${response.status} ${parsed.message ?? ''}`);
    for (const detail of parsed.details ?? []) console.error(`  - ${detail}`);
    process.exit(1);
  }
  return parsed;
}

const readJson = (file: string | undefined): unknown => {
  if (!file) usageError('A JSON file is needed');
  return JSON.parse(readFileSync(file, 'utf8'));
};
const idOf = (position: number) => positionals[position] ?? usageError('A campaign id is needed');
const print = (value: unknown) => console.log(JSON.stringify(value, null, 2));
const limit = values.limit ? `?limit=${encodeURIComponent(values.limit)}` : '';

async function addContacts(campaignId: string, file: string | undefined) {
  const contacts = readJson(file);
  if (!Array.isArray(contacts)) usageError('The contacts file must hold a JSON array');
  let added = 0;
  const refused: Array<{ index: number; reason: string }> = [];
  for (let start = 0; start < contacts.length; start += CONTACTS_PER_REQUEST) {
    const answer = (await call('POST', `/campaigns/${encodeURIComponent(campaignId)}/contacts`, {
      contacts: contacts.slice(start, start + CONTACTS_PER_REQUEST),
    })) as { added: number; refused: Array<{ index: number; reason: string }> };
    added += answer.added;
    refused.push(...answer.refused.map((row) => ({ index: row.index + start, reason: row.reason })));
  }
  print({ added, refused });
}

interface ImportView {
  importId: string;
  status: 'waiting' | 'importing' | 'done' | 'failed';
  progress?: number;
  rowsRead: number;
  added: number;
  refused: number;
  encoding?: string;
  error?: string;
  rejects?: { url: string };
  upload?: { url: string; fields: Record<string, string>; maxBytes: number };
}

/** How often an import's status is read while it runs. */
const POLL_MS = 500;
/** A status read that failed is tried again after this long, this many times. */
const RETRY_MS = 2_000;
const STATUS_RETRIES = 15;

async function importFile(campaignId: string, file: string | undefined, phoneColumn: string | undefined) {
  if (!file) usageError('A CSV file is needed');
  if (!existsSync(file)) usageError(`No such file: ${file}`);
  const path = `/campaigns/${encodeURIComponent(campaignId)}/imports`;
  const opened = (await call(
    'POST',
    path,
    phoneColumn === undefined ? undefined : { phoneColumn },
  )) as ImportView;
  const upload = opened.upload;
  if (!upload) throw new Error('The API answered no upload form');
  // The file goes straight to S3 with the form (read from disk as it is sent, never whole in memory).
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
  form.append('file', await openAsBlob(file, { type: 'text/csv' }), basename(file));
  const sent = await fetch(upload.url, { method: 'POST', body: form });
  if (!sent.ok) {
    // S3 answers XML: its code and message say why.
    const text = await sent.text();
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
    const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
    const why =
      code === 'EntityTooLarge'
        ? `the file is larger than ${upload.maxBytes} bytes`
        : [code, message].filter(Boolean).join(': ') || 'no reason given';
    console.error(`The upload was refused (${sent.status}): ${why}`);
    process.exit(1);
  }
  console.log(`Import ${opened.importId}: uploaded ${basename(file)}`);

  const bar = new SingleBar(
    {
      format: 'Importing [{bar}] {percentage}% | {rowsRead} rows, {rate} rows/s | {refused} refused',
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  const began = Date.now();
  bar.start(100, 0, { rowsRead: 0, rate: 0, refused: 0 });
  let view: ImportView;
  for (;;) {
    view = (await call(
      'GET',
      `${path}/${encodeURIComponent(opened.importId)}`,
      undefined,
      STATUS_RETRIES,
    )) as ImportView;
    const seconds = Math.max((Date.now() - began) / 1000, 0.001);
    bar.update(Math.round((view.progress ?? 0) * 100), {
      rowsRead: view.rowsRead,
      rate: Math.round(view.rowsRead / seconds),
      refused: view.refused,
    });
    if (view.status === 'done' || view.status === 'failed') break;
    await sleep(POLL_MS);
  }
  bar.stop();
  const seconds = (Date.now() - began) / 1000;
  console.log(
    `${view.status === 'done' ? 'Done' : 'Failed'} in ${seconds.toFixed(1)} s: ${view.rowsRead} rows read, ${view.added} added, ${view.refused} refused${view.encoding ? ` (read as ${view.encoding})` : ''}`,
  );
  if (view.error) console.log(`  ${view.error}`);
  if (view.rejects) {
    const saved = join(dirname(file), `${basename(file, extname(file))}.rejects.csv`);
    const response = await fetch(view.rejects.url);
    if (!response.ok) throw new Error(`The rejects file could not be read: ${response.status}`);
    await writeFile(saved, Buffer.from(await response.arrayBuffer()));
    console.log(
      `Refused rows, with their row number and reason: ${saved} (fix them and import that file again)`,
    );
  }
  if (view.status === 'failed') process.exit(1);
}

const [command, sub] = positionals;
switch (command) {
  case 'create': {
    const settings = (values.settings ? readJson(values.settings) : {}) as Record<string, unknown>;
    const given = { name: values.name, callerId: values['caller-id'], callFlow: values['call-flow'] };
    const defined = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
    print(await call('POST', '/campaigns', { ...settings, ...defined }));
    break;
  }
  case 'list':
    print(await call('GET', `/campaigns${limit}`));
    break;
  case 'show':
    print(await call('GET', `/campaigns/${encodeURIComponent(idOf(1))}`));
    break;
  case 'update':
    print(await call('PATCH', `/campaigns/${encodeURIComponent(idOf(1))}`, readJson(values.settings)));
    break;
  case 'delete':
    print(await call('DELETE', `/campaigns/${encodeURIComponent(idOf(1))}`));
    break;
  case 'start':
    print(
      await call(
        'POST',
        `/campaigns/${encodeURIComponent(idOf(1))}/start`,
        values['dry-run'] ? { dryRun: true } : {},
      ),
    );
    break;
  case 'pause':
  case 'resume':
  case 'cancel':
    print(await call('POST', `/campaigns/${encodeURIComponent(idOf(1))}/${command}`));
    break;
  case 'preview':
    print(await call('GET', `/campaigns/${encodeURIComponent(idOf(1))}/preview`));
    break;
  case 'metrics': {
    const query = new URLSearchParams();
    for (const name of ['from', 'to', 'bucket'] as const) {
      const value = values[name];
      if (value !== undefined) query.set(name, value);
    }
    const search = query.size > 0 ? `?${query}` : '';
    print(await call('GET', `/campaigns/${encodeURIComponent(idOf(1))}/metrics${search}`));
    break;
  }
  case 'model':
    if (positionals[1] === 'train') print(await call('POST', '/model/train'));
    else print(await call('GET', `/campaigns/${encodeURIComponent(idOf(1))}/model`));
    break;
  case 'attempts':
    print(
      await call(
        'GET',
        `/campaigns/${encodeURIComponent(idOf(1))}/contacts/${encodeURIComponent(positionals[2] ?? usageError('A contact id is needed'))}/attempts`,
      ),
    );
    break;
  case 'contacts':
    if (sub === 'add') await addContacts(idOf(2), positionals[3]);
    else if (sub === 'list')
      print(await call('GET', `/campaigns/${encodeURIComponent(idOf(2))}/contacts${limit}`));
    else usageError(`Unknown contacts command "${sub ?? ''}"`);
    break;
  case 'import': {
    const importPath = (at: number) =>
      `/campaigns/${encodeURIComponent(idOf(at))}/imports/${encodeURIComponent(positionals[at + 1] ?? usageError('An import id is needed'))}`;
    if (sub === 'status') print(await call('GET', importPath(2)));
    else if (sub === 'cancel') print(await call('DELETE', importPath(2)));
    else await importFile(idOf(1), positionals[2], values['phone-column']);
    break;
  }
  case 'import-status':
    print(
      await call(
        'GET',
        `/campaigns/${encodeURIComponent(idOf(1))}/imports/${encodeURIComponent(positionals[2] ?? usageError('An import id is needed'))}`,
      ),
    );
    break;
  default:
    usageError(`Unknown command "${command}"`);
}
