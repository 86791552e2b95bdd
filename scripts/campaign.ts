/**
 * `npm run campaign -- <command>`: the campaign API from the command line, against the local system (`npm start`)
 * by default, or any stage with `--api` and `--token`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const USAGE = `Usage: npm run campaign -- <command> [options]

Commands:
  create --name NAME --caller-id NUMBER --call-flow REF [--settings FILE.json]
  list [--limit N]
  show ID
  update ID --settings FILE.json
  delete ID                      a draft is deleted; a started campaign is cancelled
  start ID [--dry-run]
  contacts add ID FILE.json      a JSON array of { phoneNumber, id?, timeZone?, attributes? }, sent 1,000 at a time
  contacts list ID [--limit N]

Options:
  --api URL       the API (default: the local one, http://127.0.0.1:$PORT or 3000)
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
      'dry-run': { type: 'boolean', default: false },
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

const api = (values.api ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`).replace(/\/$/, '');
const tokenFile = join(import.meta.dirname, '..', '.local', 'dev-token');
const token =
  values.token ??
  process.env.CAMPAIGN_API_TOKEN ??
  (existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : '');
if (!token) usageError('No token: give --token, or run `npm start` once for the local dev token');

/** Calls the API; a refusal prints its message (and details) and exits 1. */
async function call(method: string, path: string, body?: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${api}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    console.error(
      `The API at ${api} did not answer (${(error as Error).message}); is \`npm start\` running?`,
    );
    process.exit(1);
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
  case 'contacts':
    if (sub === 'add') await addContacts(idOf(2), positionals[3]);
    else if (sub === 'list')
      print(await call('GET', `/campaigns/${encodeURIComponent(idOf(2))}/contacts${limit}`));
    else usageError(`Unknown contacts command "${sub ?? ''}"`);
    break;
  default:
    usageError(`Unknown command "${command}"`);
}
