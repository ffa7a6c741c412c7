/**
 * The local stand-in for the construct's rule-set layer: the validated rule set written with the
 * same serializer (rules/deployed.ts) to a file of its own, which the functions find through
 * `UIA_RULE_SET_FILE` exactly as they find `/opt/uia/rule-set.json` in Lambda.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serializeRuleSet } from '../rules/deployed';
import type { RuleSet } from '../rules/schema';

export interface RuleSetFile {
  path: string;
  close(): Promise<void>;
}

export async function writeRuleSetFile(ruleSet: RuleSet): Promise<RuleSetFile> {
  const dir = await mkdtemp(join(tmpdir(), 'uia-rule-set-'));
  const path = join(dir, 'rule-set.json');
  await writeFile(path, serializeRuleSet(ruleSet));
  return { path, close: () => rm(dir, { recursive: true, force: true }) };
}
