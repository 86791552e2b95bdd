/**
 * Builds the dashboard (web/): its TypeScript bundled by esbuild (the bundler the functions' build already uses)
 * into web/dist/app.js, its style with uPlot's into web/dist/app.css, beside which web/dist gets the page and its icon.
 * `npm start` builds it before serving it; `node scripts/buildWeb.ts [outDir]`.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';

const WEB = join(import.meta.dirname, '..', 'web');

export async function buildWeb(outDir = join(WEB, 'dist')): Promise<string> {
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [join(WEB, 'src', 'app.ts'), join(WEB, 'app.css')],
    outdir: outDir,
    entryNames: '[name]',
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
  });
  await Promise.all(
    ['index.html', 'favicon.svg'].map((file) => copyFile(join(WEB, file), join(outDir, file))),
  );
  return outDir;
}

if (import.meta.main) console.log(await buildWeb(process.argv[2]));
