/**
 * The shop's structural promises: only functions/shared/tracing.ts touches the X-Ray SDK (so an
 * OpenTelemetry path can replace it), and shop code never imports local/ or infra/.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(join(root, dir), { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

const importsOf = (text: string) =>
  [...text.matchAll(/\bfrom\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? m[2]);

describe('shop boundaries', () => {
  it('imports aws-xray-sdk-core only in functions/shared/tracing.ts', async () => {
    const files = [...(await sources('functions')), ...(await sources('local')), ...(await sources('infra'))];
    const importers: string[] = [];
    for (const file of files) {
      if (importsOf(await readFile(join(root, file), 'utf8')).includes('aws-xray-sdk-core'))
        importers.push(file);
    }
    expect(importers).toEqual(['functions/shared/tracing.ts']);
  });

  it('keeps functions/cart free of local/ and infra/', async () => {
    for (const file of await sources('functions/cart')) {
      const imports = importsOf(await readFile(join(root, file), 'utf8'));
      expect(
        imports.filter((i) => /(^|\/)(local|infra)\//.test(i ?? '')),
        file,
      ).toEqual([]);
    }
  });
});
