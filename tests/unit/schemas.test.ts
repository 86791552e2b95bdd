import { readFile } from 'node:fs/promises';
import { expect, it } from '@jest/globals';
import { generateSchemaFiles } from '../../scripts/buildSchemas.ts';

it('keeps the generated validators and types in step with schemas/ (run npm run schemas after a change)', async () => {
  for (const [path, content] of await generateSchemaFiles()) {
    expect({ path, content: await readFile(path, 'utf8') }).toEqual({ path, content });
  }
});
