/**
 * The dashboard in a real browser: headless Chromium (Debian's `chromium`, installed by .ci/run when missing) driven
 * by puppeteer-core against `npm start` on a private data directory. Signs in with the local demo token, opens the
 * demo campaign, starts it, watches the panel say why it is or is not dialling, pauses it and sees the panel say so;
 * axe-core on every screen (no serious or critical violation). Screenshots go to SCREENSHOTS_DIR when it is set.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
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
