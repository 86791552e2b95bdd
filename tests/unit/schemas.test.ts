import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { expect, it } from '@jest/globals';
import { generateSchemaFiles } from '../../scripts/buildSchemas.ts';

it('keeps the generated validators and types in step with schemas/ (run npm run schemas after a change)', async () => {
  const files = await generateSchemaFiles();
  // Every schema has its validator among the files compared: a generator that yields nothing fails here.
  const schemas = (await readdir(join(import.meta.dirname, '..', '..', 'schemas'))).filter((name) =>
    name.endsWith('.schema.json'),
  );
  expect(schemas.length).toBeGreaterThan(20);
  const generated = [...files.keys()].map((path) => basename(path));
  for (const schema of schemas) {
    expect(generated).toContain(schema.replace('.schema.json', '.validate.cjs'));
  }
  for (const [path, content] of files) {
    expect({ path, content: await readFile(path, 'utf8') }).toEqual({ path, content });
  }
});
