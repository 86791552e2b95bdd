/**
 * What `npm start` prints of the local API's and functions' output. By default: one line per HTTP request, one per
 * function and 5 seconds for its queue batches (their counts summed: a campaign's run makes hundreds of batches), the
 * campaign ticker's groups that released something, warnings and errors in one line each, and campaign summaries; `--verbose` adds every line the
 * functions and serverless-offline write. Either way, anything that could be a phone number is masked.
 */
import { redactPhoneLike } from '../src/lib/redact.ts';
import type { RequestLine } from './apiFront.ts';

/** Log messages that close a queue batch, and the fields that sum it up. */
const BATCH_MESSAGES: Record<string, readonly string[]> = {
  'Batch processed': [
    'received',
    'initiated',
    'skipped_blacklisted',
    'duplicate',
    'done',
    'already_done',
    'campaign_not_running',
    'queued',
    'skipped',
    'imported',
    'continued',
    'import_failed',
    'already_imported',
    'import_in_progress',
    'rows_read',
    'added',
    'refused',
    'rejected',
    'retry',
    'final',
    'retry_planned',
    'late',
    // The campaign ticker's groups.
    'campaigns',
    'released',
    'outsideHours',
    'completed',
  ],
  // The scheduler's ticks: shown when they released or completed something.
  'Run done': ['released', 'outsideHours'],
};

/** serverless-offline's own chatter: its banner, per-invocation bookkeeping, authorizer notices. */
const OFFLINE_CHATTER = [
  /^\(λ: \w+\) RequestId: /,
  /^(Running Authorization function|Authorization function returned|Authorization response didn't authorize)/,
  /^(× )?Identity Source is null/,
  /^[A-Z]+ \S* \(λ: \w+\)$/,
  /^[│┌└]/,
  /^\s*\* \w+: /,
  /^(Function names exposed|Configuring Authorization|Offline \[http for lambda\]|Starting Offline|Server ready)/,
  /^Warning: No external modules needed/,
  // Indented: the rest of a multi-line dump (stack frames, causes); its first line is shown.
  /^\s/,
];

const LEVELS = new Set(['WARN', 'ERROR', 'CRITICAL']);
/** Keys every Powertools line carries: left out of the one-line form. */
const BOILERPLATE = new Set([
  'level',
  'message',
  'timestamp',
  'service',
  'cold_start',
  'function_arn',
  'function_memory_size',
  'function_name',
  'function_request_id',
  'sampling_rate',
  'xray_trace_id',
  'function',
  'environment',
]);

const time = () => new Date().toISOString().slice(11, 19);
const fields = (entry: Record<string, unknown>, keys: Iterable<string>) =>
  [...keys]
    .filter((key) => entry[key] !== undefined)
    .map((key) => `${key}=${typeof entry[key] === 'object' ? JSON.stringify(entry[key]) : entry[key]}`)
    .join(' ');

export interface LogView {
  /** One line of serverless-offline's output (the functions' logs included). */
  output(line: string): void;
  request(line: RequestLine): void;
  /** A line of the local system's own (campaign summaries, worker errors). */
  note(text: string): void;
  /** Writes the batch lines still being summed. */
  flush(): void;
}

/** Batches are summed over windows of this many seconds: a line per function and window. */
const WINDOW_SECONDS = 5;

/** The start of the window `at` falls in, as HH:MM:SS. */
const windowOf = (at: Date) =>
  new Date(Math.floor(at.getTime() / (WINDOW_SECONDS * 1000)) * WINDOW_SECONDS * 1000)
    .toISOString()
    .slice(11, 19);

/** One function's batches of the current window, summed. */
interface Pending {
  second: string;
  batches: number;
  sums: Map<string, number>;
}

export function createLogView(options: {
  verbose: boolean;
  write: (line: string) => void;
  now?: () => Date;
}): LogView {
  const write = (line: string) => options.write(redactPhoneLike(line));
  const now = () => options.now?.() ?? new Date();
  const pending = new Map<string, Pending>();
  let timer: NodeJS.Timeout | undefined;
  const flushOne = (fn: string, batch: Pending) => {
    pending.delete(fn);
    // Counts with thousands separators: easier to read, and never taken for a phone number by the masking.
    const counts = [...batch.sums].map(([key, n]) => `${key}=${n.toLocaleString('en-US')}`).join(' ');
    const label = batch.batches === 1 ? 'batch ' : `${batch.batches} batches`;
    write(`${batch.second} ${fn.padEnd(14)} ${label} ${counts}`);
  };
  const flush = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    for (const [fn, batch] of [...pending]) flushOne(fn, batch);
  };
  /**
   * Writes the lines of windows that are over, at the end of the window (a line written before its window is
   * over would be followed by a second line for the same function and window), and waits for the next.
   */
  const flushEnded = () => {
    timer = undefined;
    const current = windowOf(now());
    for (const [fn, batch] of [...pending]) if (batch.second !== current) flushOne(fn, batch);
    waitForWindowEnd();
  };
  function waitForWindowEnd(): void {
    if (timer !== undefined || pending.size === 0) return;
    const windowMs = WINDOW_SECONDS * 1000;
    timer = setTimeout(flushEnded, windowMs - (now().getTime() % windowMs) + 50);
    timer.unref?.();
  }
  /** Adds a batch to its function's line of this window (the previous window's line is written first). */
  function addBatch(fn: string, entry: Record<string, unknown>, keys: readonly string[]): void {
    const second = windowOf(now());
    const current = pending.get(fn);
    if (current !== undefined && current.second !== second) flushOne(fn, current);
    const batch = pending.get(fn) ?? { second, batches: 0, sums: new Map<string, number>() };
    batch.batches += 1;
    for (const key of keys) {
      const value = entry[key];
      if (typeof value === 'number') batch.sums.set(key, (batch.sums.get(key) ?? 0) + value);
    }
    pending.set(fn, batch);
    waitForWindowEnd();
  }
  // Request lines are built from a path already masked; masking the whole line would eat the status and duration.
  const writeMasked = (line: string) => options.write(line);

  function summarise(entry: Record<string, unknown>): string | undefined {
    const fn = String(entry.function ?? '?');
    const level = String(entry.level ?? '');
    const message = String(entry.message ?? '');
    const batchKeys = BATCH_MESSAGES[message];
    if (batchKeys !== undefined) {
      // A tick (the scheduler's fan-out, a ticker's group) that released and completed nothing is not shown.
      const completed = entry.completed;
      const nothing = !entry.released && !(Array.isArray(completed) ? completed.length : completed);
      const idleTick = (message === 'Run done' || fn === 'campaignTicker') && nothing;
      if (!idleTick) addBatch(fn, entry, batchKeys);
      return undefined;
    }
    if (LEVELS.has(level)) {
      const rest = fields(
        entry,
        Object.keys(entry).filter((key) => !BOILERPLATE.has(key)),
      );
      return `${time()} ${fn.padEnd(14)} ${level.padEnd(5)}  ${message}${rest ? ` ${rest}` : ''}`;
    }
    return undefined;
  }

  return {
    output(line) {
      const text = line.trimEnd();
      if (options.verbose) return text === '' ? undefined : write(text);
      if (text.trim() === '' || OFFLINE_CHATTER.some((pattern) => pattern.test(text))) return;
      if (text.startsWith('{')) {
        try {
          const summary = summarise(JSON.parse(text) as Record<string, unknown>);
          if (summary !== undefined) write(summary);
          return;
        } catch {
          // Not a log entry: shown as it is.
        }
      }
      write(text);
    },
    request({ method, path, status, ms }) {
      writeMasked(`${time()} ${'http'.padEnd(14)} ${method.padEnd(6)} ${path} ${status} ${ms} ms`);
    },
    note(text) {
      write(`${time()} ${text}`);
    },
    flush,
  };
}
