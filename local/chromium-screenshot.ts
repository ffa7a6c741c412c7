/**
 * A PNG of a local HTML file, from Debian's headless Chromium when it is installed, so a layout
 * change can be looked at before anyone receives it. The flags are the ones this machine kind
 * needs (no sandbox as root, no background networking on a closed network), with a fresh profile
 * each run: no stale cache, no first-run state from an earlier run.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const CHROMIUM = '/usr/bin/chromium';

/** Writes `pngPath` and returns true, or returns false when Chromium is not installed. */
export async function screenshot(
  htmlPath: string,
  pngPath: string,
  windowSize = '800,1400',
): Promise<boolean> {
  if (!existsSync(CHROMIUM)) return false;
  const profile = await mkdtemp(join(tmpdir(), 'screenshot-chromium-'));
  try {
    await promisify(execFile)(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
        `--window-size=${windowSize}`,
        `--screenshot=${pngPath}`,
        `file://${htmlPath}`,
      ],
      { timeout: 60_000 },
    );
    return true;
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

export function noChromiumHint(htmlPath: string, script: string): string {
  return (
    `Chromium not found at ${CHROMIUM}: no screenshot taken. Open ${htmlPath} in a browser, or install it with\n` +
    `  apt-get install -y chromium\nand run \`${script}\` again.`
  );
}
