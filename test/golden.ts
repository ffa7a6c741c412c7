/**
 * Golden-file comparison for tests: `actual` must equal `<dir>/<name>` byte for byte;
 * `npm run golden:update` (UPDATE_GOLDEN=1) rewrites the file instead, to review as a diff.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'vitest';

export function expectGolden(dir: URL, name: string, actual: string): void {
  const url = new URL(name, dir);
  if (process.env['UPDATE_GOLDEN'] === '1') {
    mkdirSync(dir, { recursive: true });
    writeFileSync(url, actual);
    return;
  }
  if (!existsSync(url)) throw new Error(`missing golden file ${name}: run npm run golden:update`);
  expect(actual, `${name} differs from its golden file (npm run golden:update to accept)`).toBe(
    readFileSync(url, 'utf8'),
  );
}
