/**
 * The dashboard in a real browser: headless Chromium (Debian's `chromium`, installed by .ci/run when missing) driven
 * by puppeteer-core against `npm start` on a private data directory. Signs in with the local demo token, opens the
 * demo campaign, starts it, watches the panel say why it is or is not dialling, pauses it and sees the panel say so;
 * axe-core on every screen (no serious or critical violation). Screenshots go to SCREENSHOTS_DIR when it is set.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { freePort } from '../../local/stack.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const AXE = join(import.meta.dirname, '../../node_modules/axe-core/axe.min.js');
const SCREENSHOTS = process.env.SCREENSHOTS_DIR;

let localDir: string;
let start: ChildProcess;
let browser: Browser;
let page: Page;
let url: string;
let demoCampaign: string;
const pageErrors: string[] = [];

/** `npm start` on its own data directory and port, until it says it is ready; the demo campaign's id. */
async function startStack(port: number): Promise<string> {
  // A Tuesday 11:00 in New York, the clock 60 times faster: the demo campaign's calls go out within seconds of its
  // start, whatever the hour the test runs at.
  const args = ['--clock-start', '2030-01-15T16:00:00Z', '--time-scale', '60'];
  start = spawn(process.execPath, [join(import.meta.dirname, '../../local/start.ts'), ...args], {
    env: { ...process.env, VOICE_CAMPAIGN_LOCAL_DIR: localDir, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`npm start not ready in 4 minutes:\n${output}`)),
      240_000,
    );
    start.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /ready: API on \S+\. Start the demo campaign \(([0-9a-f-]{36})/.exec(output);
      if (ready?.[1]) {
        clearTimeout(timer);
        resolve(ready[1]);
      }
    });
    start.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    start.once('exit', (code) => reject(new Error(`npm start exited (${code}):\n${output}`)));
  });
}

/** axe-core on the page as it is: the serious and critical violations, by rule. */
async function accessibilityProblems(): Promise<string[]> {
  // The page's own functions run in the browser: written as text (this project's types know no DOM).
  // Evaluated by the browser's debugger, as the page's policy (its own scripts only) allows no injected script.
  if (!(await page.evaluate("'axe' in window"))) await page.evaluate(await readFile(AXE, 'utf8'));
  const results = (await page.evaluate('axe.run(document)')) as {
    violations: Array<{ id: string; impact: string | null; nodes: unknown[] }>;
  };
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}, ${v.nodes.length} nodes)`);
}

async function screenshot(name: string): Promise<void> {
  if (SCREENSHOTS === undefined) return;
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** A tile's text (its value, its name, the hour before), found by its name. */
const tileText = (name: string) =>
  page.$$eval(
    '#tiles .tile',
    (tiles, wanted) =>
      tiles.find((tile) => tile.querySelector('.name')?.textContent === wanted)?.textContent ?? '',
    name,
  );
/** Signed in with the local demo token, on the campaigns list (the first test signs in through the form). */
async function signIn(): Promise<void> {
  const { token } = (await (await fetch(`${url}local/token`)).json()) as { token: string };
  await page.goto(`${url}#/`);
  await page.evaluate(`sessionStorage.setItem('voice-campaign-token', ${JSON.stringify(token)})`);
  await page.reload();
}

/** The problem said beside a field of the campaign form. */
const fieldError = (path: string) =>
  page.$eval(`#f-${path.replace(/[._]/g, '-')}-error`, (node) => node.textContent ?? '');
const panelText = () => page.$eval('#why-message', (node) => node.textContent ?? '');

/** The API as the test reads it beside the page, with the local demo token. */
async function apiGet<T>(path: string, post?: unknown): Promise<T> {
  const { token } = (await (await fetch(`${url}local/token`)).json()) as { token: string };
  const answer = await fetch(`${url}${path}`, {
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(post === undefined ? {} : { method: 'POST', body: JSON.stringify(post) }),
  });
  return (await answer.json()) as T;
}

async function eventually(check: () => Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`Not within ${ms / 1000} s: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** A contact of the campaign with a call, found through the API a page at a time. */
async function calledContact(campaignId: string): Promise<string> {
  let cursor: string | undefined;
  do {
    const page_ = await apiGet<{ contacts: Array<{ id: string; state?: string }>; next?: string }>(
      `campaigns/${campaignId}/contacts?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
    );
    const found = page_.contacts.find((contact) => contact.state === 'initiated');
    if (found) return found.id;
    cursor = page_.next;
  } while (cursor);
  throw new Error('No contact of the campaign has a call sent');
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`No Chromium at ${CHROMIUM}: .ci/run installs Debian's chromium`);
  localDir = await mkdtemp(join(tmpdir(), 'voice-campaign-browser-'));
  const port = await freePort();
  url = `http://127.0.0.1:${port}/`;
  demoCampaign = await startStack(port);
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  page = await browser.newPage();
  // Anything the page logs as an error (a refused style or script under its policy, an exception) fails the test.
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.setViewport({ width: 1280, height: 800 });
  // The page's confirmations ("Pause: calls ringing finish...") are accepted, as an operator would.
  page.on('dialog', (dialog) => void dialog.accept());
}, 300_000);

afterAll(async () => {
  await browser?.close();
  if (start && start.exitCode === null) {
    start.kill('SIGINT');
    await new Promise((resolve) => start.once('exit', resolve));
  }
  await rm(localDir, { recursive: true, force: true });
}, 60_000);

describe('the dashboard in Chromium', () => {
  it('signs in with the local token, lists the campaigns, and says why a campaign is or is not dialling', async () => {
    // The sign-in screen: no token yet.
    await page.goto(url);
    await page.waitForSelector('textarea#token');
    expect(await accessibilityProblems()).toEqual([]);
    await screenshot('sign-in');

    // Sign in with the demo token npm start offers; the campaigns list shows the demo campaign.
    const useLocal = await page.waitForSelector('xpath///button[contains(., "Use the local demo token")]');
    await useLocal?.click();
    const link = await page.waitForSelector(`a[href="#/campaigns/${demoCampaign}"]`);
    expect(await accessibilityProblems()).toEqual([]);
    await screenshot('campaigns');

    // The demo campaign: a draft, and the panel says so.
    await link?.click();
    await page.waitForSelector('#why-message');
    expect(await panelText()).toContain('A draft');
    // Its calling hours: 24 hourly bars, each labelled with its figures.
    const bars = await page.$$eval('#hours .bars li', (items) => items.map((item) => item.textContent ?? ''));
    expect(bars).toHaveLength(24);
    expect(bars[0]).toMatch(/^\d\d:\d\d.*: \d+ callable, \d+ at the campaign's pace$/);
    // Which zones are open now: at 11:00 in New York its contacts' zones are open, each with its closing.
    const zonesNow = await page.$$eval('#hours-now tbody tr', (rows) =>
      rows.map((row) => row.textContent ?? ''),
    );
    expect(zonesNow.length).toBeGreaterThan(0);
    expect(zonesNow.some((row) => /America\/New_York.*Open.*until/.test(row))).toBe(true);
    // A draft has no calls yet: its tiles say so, each beside the hour before.
    expect(await tileText('Calls per minute')).toBe('0.0Calls per minuteThe hour before: 0.0');
    expect(await accessibilityProblems()).toEqual([]);
    // No phone number (E.164, raw or escaped) in the address.
    expect(page.url()).not.toMatch(/(\+|%2B)\d{7,}/i);

    // Start: the panel follows without a reload (dialling, or why not: its contacts' hours, nothing due yet).
    await (await page.waitForSelector('button[data-action="start"]'))?.click();
    await page.waitForFunction(
      "!(document.querySelector('#why-message')?.textContent ?? '').includes('A draft')",
      {
        timeout: 30_000,
      },
    );
    // Calls go out (the clock runs 60 times faster): wait for some results before reading the panel.
    await eventually(async () => {
      const status = await apiGet<{ outcomes: Record<string, number> }>(`campaigns/${demoCampaign}`);
      return Object.values(status.outcomes).some((n) => n > 0);
    }, 'the demo campaign has calls with results');
    // The tiles move (calls per minute over the last hour), and the last 24 hours' chart has the calls.
    await page.waitForFunction(
      `[...document.querySelectorAll('#tiles .tile')].some((tile) =>
        tile.querySelector('.name')?.textContent === 'Calls per minute' && Number(tile.querySelector('.value')?.textContent) > 0)`,
      { timeout: 30_000 },
    );
    expect(await tileText('List penetration')).toMatch(/^\d+(\.\d)?%List penetration/);
    expect(await page.$('#outcomes canvas')).not.toBeNull();
    const placed = await page.$$eval('#outcomes details tbody tr td:first-of-type', (cells) =>
      cells.reduce((sum, cell) => sum + Number(cell.textContent), 0),
    );
    expect(placed).toBeGreaterThan(0);
    const running = await panelText();
    expect(running).toMatch(/Dialling|calls in flight|calling hours|due yet|tick|maxConcurrentCalls/);
    await screenshot('campaign-running');

    // Pause: the panel says why nothing dials now.
    await (await page.waitForSelector('button[data-action="pause"]'))?.click();
    await page.waitForFunction(
      "(document.querySelector('#why-message')?.textContent ?? '').startsWith('Paused')",
      {
        timeout: 30_000,
      },
    );
    expect(await accessibilityProblems()).toEqual([]);
    await screenshot('campaign-paused');

    // Its traces: the link opens the local viewer on this campaign's traces, the newest first.
    const traces = await page.$eval('#traces a', (link) => link.getAttribute('href'));
    expect(traces).toBe(`local/traces?campaign=${demoCampaign}`);
    const viewer = await (await fetch(`${url}${traces}`)).text();
    expect(viewer).toContain(`Traces of campaign ${demoCampaign}`);
    expect(viewer).toMatch(/<h2>1-[0-9a-f]{8}-[0-9a-f]{24} · /);
    expect(viewer).toMatch(/dialerWorker|scheduler|resultWorker|pauseCampaign/);

    // Its contacts, and the calls of one that was called: each with why it was allowed.
    await (await page.waitForSelector('xpath///a[contains(., "Contacts and their calls")]'))?.click();
    await page.waitForSelector('main table tbody tr');
    expect(await accessibilityProblems()).toEqual([]);
    const called = await calledContact(demoCampaign);
    await page.goto(`${url}#/campaigns/${demoCampaign}/contacts/${called}`);
    const record = await page.waitForSelector('pre.record');
    expect(await record?.evaluate((node) => node.textContent ?? '')).toMatch(/localTimes|callingHours/);
    expect(await accessibilityProblems()).toEqual([]);
    await screenshot('contact-calls');

    // A phone's width: the same page, nothing off screen.
    await page.setViewport({ width: 390, height: 844 });
    const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    expect(pageErrors).toEqual([]);
  }, 180_000);

  it('creates a campaign with the form, imports a CSV, starts, pauses, resumes, edits it running, and sees it finish', async () => {
    await page.setViewport({ width: 1280, height: 800 });
    await signIn();
    await (await page.waitForSelector('a[href="#/new"]'))?.click();
    await page.waitForSelector('#f-name');
    expect(await accessibilityProblems()).toEqual([]);

    // Checked in the page with the API's own schema: the missing name is said beside its field, nothing is sent.
    await page.click('button[type="submit"]');
    expect([await fieldError('name'), await fieldError('callerId'), await fieldError('callFlow')]).toEqual([
      'is required',
      'is required',
      'is required',
    ]);
    expect(await page.$eval('#f-name', (node) => node.getAttribute('aria-invalid'))).toBe('true');
    // What only the API checks comes back beside its field too: the caller id is not a phone number.
    await page.type('#f-name', 'Browser reminders');
    await page.type('#f-callerId', 'not a number');
    await page.type('#f-callFlow', 'flows/demo-reminder');
    await page.$eval('#f-pacing-callsPerMinute', (node) => {
      (node as unknown as { value: string }).value = '120';
    });
    await page.$eval('#f-maxAttempts', (node) => {
      (node as unknown as { value: string }).value = '1';
    });
    await page.click('button[type="submit"]');
    await page.waitForFunction(
      "(document.querySelector('#f-callerId-error')?.textContent ?? '').includes('phone number')",
    );
    expect(await fieldError('callerId')).toMatch(/not a valid phone number/);
    expect(await fieldError('name')).toBe('');
    await screenshot('campaign-form');
    await page.$eval('#f-callerId', (node) => {
      (node as unknown as { value: string }).value = '+1 202 555 0100';
    });
    await page.click('button[type="submit"]');
    await page.waitForFunction('/^#\\/campaigns\\/[0-9a-f-]{36}$/.test(location.hash)');
    const campaignId = decodeURIComponent(
      ((await page.evaluate('location.hash')) as string).split('/')[2] ?? '',
    );
    await page.waitForSelector('#why-message');
    expect(await panelText()).toContain('A draft');

    // Import: 30 numbers and 2 rows that cannot be called; the upload's and the import's progress, then the rejects.
    const rows = Array.from(
      { length: 30 },
      (_, i) => `+1202555${String(6000 + i).padStart(4, '0')},row ${i}`,
    );
    const csv = join(localDir, 'contacts.csv');
    await writeFile(
      csv,
      ['phone,note', ...rows, 'not a number,bad', '+1 900 555 0100,premium', ''].join('\n'),
    );
    await (await page.waitForSelector('xpath///a[contains(., "Import contacts (CSV)")]'))?.click();
    const file = await page.waitForSelector('#import-file');
    expect(await accessibilityProblems()).toEqual([]);
    await (file as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(csv);
    await page.click('button[type="submit"]');
    await page.waitForFunction(
      "(document.querySelector('#import-status')?.textContent ?? '').startsWith('Done')",
      { timeout: 60_000 },
    );
    expect(await page.$eval('#import-added', (node) => node.textContent)).toBe('30');
    expect(await page.$eval('#import-refused', (node) => node.textContent)).toBe('2');
    const rejects = await page.$eval('#rejects', (node) => node.getAttribute('href') ?? '');
    const refused = await (await fetch(rejects)).text();
    expect(refused.split('\n')[0]).toMatch(/^rejected_row,rejected_reason,phone,note/);
    expect(refused.trim().split('\n')).toHaveLength(3);
    expect(page.url()).not.toMatch(/(\+|%2B)\d{7,}/i);
    expect(await accessibilityProblems()).toEqual([]);
    await screenshot('import-done');

    // Start, pause (the panel says why nothing dials), resume, change its pace while it runs, and watch it finish.
    await (await page.waitForSelector('xpath///a[contains(., "Back to the campaign")]'))?.click();
    await (await page.waitForSelector('button[data-action="start"]'))?.click();
    await (await page.waitForSelector('button[data-action="pause"]', { timeout: 30_000 }))?.click();
    await page.waitForFunction(
      "(document.querySelector('#why-message')?.textContent ?? '').startsWith('Paused')",
      {
        timeout: 30_000,
      },
    );
    await (await page.waitForSelector('button[data-action="resume"]', { timeout: 30_000 }))?.click();
    await page.waitForSelector('button[data-action="pause"]', { timeout: 30_000 });
    await (await page.waitForSelector('xpath///a[contains(., "Settings")]'))?.click();
    await page.waitForSelector('#f-pacing-callsPerMinute');
    // Started: what can no longer change is shown, not editable.
    expect(await page.$eval('#f-name', (node) => node.hasAttribute('disabled'))).toBe(true);
    expect(await accessibilityProblems()).toEqual([]);
    await page.$eval('#f-pacing-callsPerMinute', (node) => {
      (node as unknown as { value: string }).value = '200';
    });
    await page.click('button[type="submit"]');
    await page.waitForSelector('#why-message');
    const saved = await apiGet<{ settings: { pacing: { callsPerMinute: number } } }>(
      `campaigns/${campaignId}`,
    );
    expect(saved.settings.pacing.callsPerMinute).toBe(200);
    await page.waitForFunction(
      "(document.querySelector('main p')?.textContent ?? '') === 'Status: completed'",
      {
        timeout: 90_000,
      },
    );
    expect(await panelText()).toMatch(/completed|Completed/);
    // The browser logs the API's 400 for the caller id it refused; nothing else.
    expect(pageErrors).toEqual([
      'Failed to load resource: the server responded with a status of 400 (Bad Request)',
    ]);
    pageErrors.length = 0;
  }, 240_000);

  it('deletes a draft after asking, and shows a campaign’s contacts done by why', async () => {
    await page.setViewport({ width: 1280, height: 800 });
    const campaign = await apiGet<{ campaignId: string }>('campaigns', {
      name: 'A draft to delete',
      callerId: '+12025550100',
      callFlow: 'flows/demo-reminder',
    });
    await page.goto(`${url}#/campaigns/${campaign.campaignId}`);
    await (await page.waitForSelector('button[data-action="delete"]'))?.click();
    await page.waitForFunction("location.hash === '#/'");
    await page.waitForSelector(`a[href="#/campaigns/${demoCampaign}"]`);
    expect(await page.$(`a[href="#/campaigns/${campaign.campaignId}"]`)).toBeNull();

    // The demo campaign has contacts done by now (its calls had results): listed by why.
    await page.goto(`${url}#/campaigns/${demoCampaign}`);
    const done = await page.waitForSelector('#done li');
    expect(await done?.evaluate((node) => node.textContent ?? '')).toMatch(/^[a-z ]+: \d+$/);
  }, 60_000);

  it('keeps the do-not-call list: add, look up with its history, remove; only the forms the scopes allow', async () => {
    await page.setViewport({ width: 1280, height: 800 });
    const number = '+12025550199';
    const submit = async (form: string, values: Record<string, string>) => {
      for (const [name, value] of Object.entries(values)) await page.type(`#${form} [name="${name}"]`, value);
      await page.click(`#${form} button[type="submit"]`);
      await page.waitForFunction(`document.querySelector('#${form}-result')?.textContent !== ''`);
      const text = await page.$eval(`#${form}-result`, (node) => node.textContent ?? '');
      await page.$eval(`#${form}-result`, (node) => node.replaceChildren());
      await page.$$eval(`#${form} input`, (inputs) => {
        for (const input of inputs) (input as unknown as { value: string }).value = '';
      });
      return text;
    };

    // The demo token may add and remove (dnc:write, dnc:admin).
    await page.goto(`${url}#/do-not-call`);
    await page.waitForSelector('#dnc-remove');
    expect(await submit('dnc-add', { phoneNumber: number, reason: 'asked on the phone' })).toContain(
      'Listed since',
    );
    const listed = await submit('dnc-lookup', { phoneNumber: number });
    expect(listed).toContain('Listed since');
    expect(listed).toContain('asked on the phone');
    expect(await accessibilityProblems()).toEqual([]);
    await screenshot('do-not-call');
    expect(await submit('dnc-remove', { phoneNumber: number, reason: 'added by mistake' })).toContain(
      'Removed',
    );
    expect(await submit('dnc-lookup', { phoneNumber: number })).toContain('Not listed');
    expect(page.url()).not.toContain('5550199');

    // A token without the scopes: looking up only.
    process.env.VOICE_CAMPAIGN_LOCAL_DIR = localDir;
    const { signDevToken } = await import('../../local/devToken.ts');
    const lookupOnly = await signDevToken('viewer');
    await page.evaluate(`sessionStorage.setItem('voice-campaign-token', ${JSON.stringify(lookupOnly)})`);
    await page.reload();
    await page.waitForSelector('#dnc-lookup');
    expect(await page.$('#dnc-add')).toBeNull();
    expect(await page.$('#dnc-remove')).toBeNull();
    expect(await page.$eval('main', (node) => node.textContent ?? '')).toContain('may look numbers up only');
  }, 60_000);

  it('asks for a new token when the one it has is refused, and says so', async () => {
    await page.setViewport({ width: 1280, height: 800 });
    await page.evaluate("sessionStorage.setItem('voice-campaign-token', 'not-a-token')");
    await page.goto(`${url}#/`);
    await page.waitForSelector('textarea#token');
    const text = await page.$eval('main', (node) => node.textContent ?? '');
    expect(text).toContain('The token is missing, expired or not valid');
  }, 60_000);
});
