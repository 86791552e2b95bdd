/**
 * Publishing the dashboard into its bucket on AWS (config/dashboard.cjs): the built page's files as they are, and a
 * `config.json` naming the API's own URL and the region (for the page's trace links), given at deploy time. Files a
 * previous page had and this one has not are removed; a stack's deletion empties the bucket so it can be deleted.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SiteBucket, SiteFile } from '../adapters/siteBucket.ts';

/** The page's files (scripts/buildWeb.ts): no source maps, nothing else of the directory. */
export const PAGE_FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

/** What the page reads at start (web/src/config.ts). */
export interface DashboardConfig {
  apiUrl: string;
  traces: { kind: 'xray'; region: string } | { kind: 'local' };
}

export async function pageFiles(dir: string, config: DashboardConfig): Promise<SiteFile[]> {
  const files = await Promise.all(
    Object.entries(PAGE_FILES).map(async ([key, contentType]) => ({
      key,
      contentType,
      body: await readFile(join(dir, key)),
    })),
  );
  return [...files, { key: 'config.json', contentType: 'application/json', body: JSON.stringify(config) }];
}

export async function publish(
  bucket: SiteBucket,
  files: readonly SiteFile[],
): Promise<{ written: number; removed: number }> {
  for (const file of files) await bucket.put(file);
  const wanted = new Set(files.map((f) => f.key));
  const stale = (await bucket.keys()).filter((key) => !wanted.has(key));
  await bucket.remove(stale);
  return { written: files.length, removed: stale.length };
}

export async function unpublish(bucket: SiteBucket): Promise<{ removed: number }> {
  const keys = await bucket.keys();
  await bucket.remove(keys);
  return { removed: keys.length };
}

/**
 * What a deploy asks of the dashboard's bucket (the custom resource's request): the page written, or the bucket
 * emptied at the stack's deletion (a bucket already gone has nothing left to empty).
 */
export async function applyRequest(
  request: 'Create' | 'Update' | 'Delete',
  properties: { bucket: string; apiUrl: string; region: string },
  deps: { bucketOf: (name: string) => SiteBucket; filesDir: string },
): Promise<{ written?: number; removed: number }> {
  const bucket = deps.bucketOf(properties.bucket);
  if (request !== 'Delete')
    return publish(
      bucket,
      await pageFiles(deps.filesDir, {
        apiUrl: properties.apiUrl,
        traces: { kind: 'xray', region: properties.region },
      }),
    );
  try {
    return await unpublish(bucket);
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchBucket') return { removed: 0 };
    throw error;
  }
}
