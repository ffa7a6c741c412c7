/**
 * The validated rule set as a Lambda layer: one file, `uia/rule-set.json` (Lambda extracts
 * layers under `/opt`), in the format of rules/deployed.ts. The notifier and the digest read it
 * at cold start (functions/shared/deployed-rules.ts), so their code asset is the same for every
 * rule set and a rule change publishes a new layer version and nothing else.
 */
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serializeRuleSet } from '../../rules/deployed';
import type { RuleSet } from '../../rules/schema';
import { DEFAULT_RULE_SET_FILE, RULE_SET_FILE_ENV } from '../../functions/shared/deployed-rules';
import { LAMBDA_RUNTIME } from './bundling';

export interface RuleSetLayerProps {
  ruleSet: RuleSet;
}

export class RuleSetLayer extends Construct {
  readonly layer: lambda.LayerVersion;
  /** What a function using the layer needs in its environment. */
  readonly environment: Readonly<Record<string, string>> = { [RULE_SET_FILE_ENV]: DEFAULT_RULE_SET_FILE };

  constructor(scope: Construct, id: string, { ruleSet }: RuleSetLayerProps) {
    super(scope, id);
    // CDK copies the directory into the cloud assembly by content hash: the same rules, the
    // same asset and layer version.
    const dir = mkdtempSync(join(tmpdir(), 'uia-rule-set-layer-'));
    mkdirSync(join(dir, 'uia'));
    writeFileSync(join(dir, 'uia', 'rule-set.json'), serializeRuleSet(ruleSet));
    this.layer = new lambda.LayerVersion(this, 'Layer', {
      code: lambda.Code.fromAsset(dir),
      description: `Rule set ${ruleSet.namePrefix}: ${ruleSet.rules.length} rules (read by the notifier and digest)`,
      compatibleRuntimes: [LAMBDA_RUNTIME],
      compatibleArchitectures: [lambda.Architecture.ARM_64],
    });
  }
}
