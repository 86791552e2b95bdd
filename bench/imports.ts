/**
 * The CSV import benchmark: a 1,000,000-row file and a 100,000-row file imported on the embedded stack by
 * importWorker, each in a process of its own (bench/importChild.ts), against a baseline process that loads the worker
 * and imports nothing. Rows per second should hold from 100,000 to 1,000,000 rows (the import streams), and the
 * peak RSS should stay flat (one batch in memory at a time, whatever the file's size).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import pg from 'pg';
import type { LocalStack } from '../local/stack.ts';
import { areaCodeTable } from '../src/domain/candidateZones.ts';
import { readNumber } from '../src/lib/phone.ts';

/** One row in a hundred is refused (no valid number), as in a real export. */
const BAD_EVERY = 100;
const NAMES = ['Ada', 'Grace', 'Alan', 'Barbara', 'Edsger', 'Frances', 'Donald', 'Margaret'];

/** North American area codes of one zone whose 555 numbers are valid: 10,000 numbers each. */
export function areaCodes(): string[] {
  return Object.entries(areaCodeTable())
    .filter(([, areaCode]) => areaCode.country === 'US' && areaCode.zones.length === 1)
    .map(([code]) => code)
    .filter((code) => readNumber(`+1${code}5550100`, 'US') !== undefined);
}

/** Writes a CSV of `rows` distinct contacts (national format, a name, an appointment), some refused. */
export async function writeCsv(file: string, rows: number, codes: readonly string[]): Promise<number> {
  const out = createWriteStream(file);
  out.write('phone,id,first_name,appointment\n');
  for (let i = 0; i < rows; i += 1) {
    const code = codes[Math.floor(i / 10_000) % codes.length];
    const phone = i % BAD_EVERY === 42 ? 'unknown' : `(${code}) 555-${String(i % 10_000).padStart(4, '0')}`;
    const line = `${phone},c${i},${NAMES[i % NAMES.length]},2026-12-${String(1 + (i % 28)).padStart(2, '0')} 10:00\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await finished(out);
  return (await stat(file)).size;
}

/** Runs bench/importChild.ts (asynchronously: the embedded servers live in this process and must keep answering). */
async function runChild(env: Record<string, string>) {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'importChild.ts')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`The import process failed (${code}): ${stderr}`);
  const last = stdout.trim().split('\n').at(-1) ?? '{}';
  return JSON.parse(last) as { invocations: number; seconds: number; maxRssMiB: number };
}

export async function measureImports(stack: LocalStack, sizes = { small: 100_000, large: 1_000_000 }) {
  const dir = await mkdtemp(join(tmpdir(), 'voice-campaign-bench-'));
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const s3 = new S3Client({
    region: stack.env.AWS_REGION,
    endpoint: stack.env.AWS_ENDPOINT_URL_S3,
    forcePathStyle: true,
    credentials,
  });
  const sqs = new SQSClient({
    region: stack.env.AWS_REGION,
    endpoint: stack.env.AWS_ENDPOINT_URL_SQS,
    credentials,
  });
  const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 1 });
  db.on('error', () => {});
  const codes = areaCodes();
  const env = { ...stack.env, STAGE: 'bench', POWERTOOLS_LOG_LEVEL: 'ERROR' };

  /** An uploaded file waiting for importWorker: campaign, import record, object, upload notice. */
  async function prepare(rows: number) {
    const campaignId = `bench-import-${rows}-${randomUUID().slice(0, 8)}`;
    const importId = randomUUID();
    const key = `uploads/${campaignId}/${importId}.csv`;
    const file = join(dir, `${rows}.csv`);
    const bytes = await writeCsv(file, rows, codes);
    await db.query(
      "INSERT INTO campaigns (id, user_id, name, caller_id, call_flow) VALUES ($1, 'bench', $1, '+12025550100', 'bench')",
      [campaignId],
    );
    await db.query(
      "INSERT INTO imports (id, campaign_id, object_key, upload_expires_at) VALUES ($1, $2, $3, now() + interval '1 hour')",
      [importId, campaignId, key],
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: stack.env.IMPORT_BUCKET,
        Key: key,
        // Whole, not streamed: the local S3 stores a streamed body's chunk signatures along with it.
        Body: await readFile(file),
      }),
    );
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.env.IMPORTS_QUEUE_URL,
        MessageBody: JSON.stringify({
          Records: [{ eventName: 'ObjectCreated:Post', s3: { object: { key } } }],
        }),
      }),
    );
    await rm(file);
    return { importId, bytes };
  }

  async function importOf(rows: number) {
    const { importId, bytes } = await prepare(rows);
    const run = await runChild(env);
    const { rows: found } = await db.query(
      'SELECT status, rows_read, added, refused, error FROM imports WHERE id = $1',
      [importId],
    );
    const record = found[0];
    if (record?.status !== 'done' || record.rows_read !== rows) {
      throw new Error(`The ${rows}-row import did not finish: ${JSON.stringify(found[0])}`);
    }
    return {
      rows,
      megabytes: Number((bytes / 1_048_576).toFixed(1)),
      added: record.added as number,
      refused: record.refused as number,
      seconds: Number(run.seconds.toFixed(1)),
      rowsPerSecond: Math.round(rows / run.seconds),
      peakRssMiB: Math.round(run.maxRssMiB),
    };
  }

  try {
    const baseline = await runChild(env);
    const small = await importOf(sizes.small);
    const large = await importOf(sizes.large);
    return {
      baselineRssMiB: Math.round(baseline.maxRssMiB),
      small,
      large,
      rateRatio: Number((large.rowsPerSecond / small.rowsPerSecond).toFixed(2)),
      rssRatio: Number((large.peakRssMiB / small.peakRssMiB).toFixed(2)),
    };
  } finally {
    s3.destroy();
    sqs.destroy();
    await db.end();
    await rm(dir, { recursive: true, force: true });
  }
}
