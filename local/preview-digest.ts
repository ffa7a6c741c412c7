/**
 * `npm run preview:digest`: seeds a realistic week into a local DynamoDB through the real
 * incident store, builds the digest with the real code, writes `out/digest-preview.html` (and
 * the text version next to it), and screenshots the HTML with headless Chromium when it is
 * installed, so a change to the layout can be looked at before a manager sees it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ruleSet } from '../rules';
import { buildDigest } from '../functions/digest/run';
import { SAMPLE_DIGEST, SAMPLE_RUN_AT, sampleHistory, seedIncidents } from '../functions/digest/test-support';
import { createIncidentStore } from '../functions/shared/incidents/store';
import { createAlertsTable } from './alerts-table';
import { noChromiumHint, screenshot } from './chromium-screenshot';
import { startLocalDynamoDb } from './dynamodb';

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

if (await screenshot(htmlPath, pngPath)) console.log(`wrote ${pngPath}`);
else console.log(noChromiumHint(htmlPath, 'npm run preview:digest'));
