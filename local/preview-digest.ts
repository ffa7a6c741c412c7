/**
 * `npm run preview:digest`: seeds a realistic week into a local DynamoDB through the real
 * incident store, builds the digest with the real code, writes `out/digest-preview.html` (and
 * the text version next to it), and screenshots the HTML with headless Chromium when it is
 * installed, so a change to the layout can be looked at before a manager sees it.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ruleSet } from '../rules';
import { buildDigest } from '../functions/digest/run';
import { SAMPLE_DIGEST, SAMPLE_RUN_AT, sampleHistory, seedIncidents } from '../functions/digest/test-support';
import { createIncidentStore } from '../functions/shared/incidents/store';
import { createAlertsTable } from './alerts-table';
import { startLocalDynamoDb } from './dynamodb';

const CHROMIUM = '/usr/bin/chromium';
const outDir = resolve(process.cwd(), 'out');
const htmlPath = join(outDir, 'digest-preview.html');
const textPath = join(outDir, 'digest-preview.txt');
const pngPath = join(outDir, 'digest-preview.png');

const db = await startLocalDynamoDb();
try {
  const tableName = 'alerts-preview';
  await createAlertsTable(db.client, tableName);
  const store = createIncidentStore({ doc: db.doc, tableName, now: () => SAMPLE_RUN_AT });
  await seedIncidents(store, sampleHistory());
  const { message, figures } = await buildDigest(
    { incidents: store, config: SAMPLE_DIGEST, rules: ruleSet.rules },
    SAMPLE_RUN_AT,
  );
  await mkdir(outDir, { recursive: true });
  await writeFile(htmlPath, message.html);
  await writeFile(textPath, message.text);
  console.log(`Subject: ${message.subject}`);
  console.log(`${figures.incidents} incidents; wrote ${htmlPath} and ${textPath}`);
} finally {
  await db.close();
}

if (existsSync(CHROMIUM)) {
  // A fresh profile each run: no stale cache, no first-run state from an earlier preview.
  const profile = await mkdtemp(join(tmpdir(), 'digest-preview-chromium-'));
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
        '--window-size=800,1400',
        `--screenshot=${pngPath}`,
        `file://${htmlPath}`,
      ],
      { timeout: 60_000 },
    );
    console.log(`wrote ${pngPath}`);
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
} else {
  console.log(
    `Chromium not found at ${CHROMIUM}: no screenshot taken. Open ${htmlPath} in a browser, or install it with\n` +
      '  apt-get install -y chromium\nand run `npm run preview:digest` again.',
  );
}
