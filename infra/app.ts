/**
 * CDK entry point (`npm run synth`, `npm run deploy`). The rule set is validated by the
 * UserImpactAlerting construct with the real clock, so a bad rule stops synth with every problem
 * listed before anything reaches AWS. cdk-nag's AwsSolutions and Serverless packs run as policy-validation plugins
 * (infra/nag.ts): unacknowledged findings make synth fail.
 */
import { App } from 'aws-cdk-lib';
import { ruleSetDefinition } from '../rules';
import { AlertingStack } from './alerting-stack';
import { addNagPacks } from './nag';
import { ALERTING_STACK_NAME } from './outputs';
import { ShopStack } from './shop-stack';

export function buildApp(app = new App()): { app: App; alerting: AlertingStack; shop: ShopStack } {
  // Real deploys get account/region from the CLI's credentials; offline synth uses placeholders.
  const env = {
    account: process.env.CDK_DEFAULT_ACCOUNT ?? '123456789012',
    region: process.env.CDK_DEFAULT_REGION ?? 'us-east-1',
  };
  addNagPacks(app);
  const onCallEmails = listFromContext(app, 'onCallEmails');
  const opsEmails = listFromContext(app, 'opsEmails');
  const testAlertSenders = listFromContext(app, 'testAlertSenders');
  const concurrency = app.node.tryGetContext('notifierReservedConcurrency') as unknown;
  const alerting = new AlertingStack(app, ALERTING_STACK_NAME, {
    env,
    ruleSet: ruleSetDefinition,
    onCallEmails,
    opsEmails,
    testAlertSenders,
    ...(concurrency !== undefined && { notifierReservedConcurrency: wholeNumber(concurrency) }),
  });
  const shop = new ShopStack(app, 'UiaShop', { env });
  return { app, alerting, shop };
}

function wholeNumber(value: unknown): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`-c notifierReservedConcurrency: expected a whole number, got ${String(value)}`);
  return n;
}

function listFromContext(app: App, key: string): string[] {
  const value: unknown = app.node.tryGetContext(key);
  if (typeof value !== 'string' || value.trim() === '') return [];
  return value.split(',').map((s) => s.trim());
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildApp().app.synth();
}
