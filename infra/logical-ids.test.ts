/**
 * The alerting stack keeps its logical ids now that it is a thin stack around the public
 * construct: a changed logical id makes CloudFormation replace the resource, and most of these
 * carry fixed names (groups, alarms, buses, the sender role), so a replacement would fail the
 * deploy or lose the alerts table's history. Adding a resource adds a line here
 * (`npm run golden:update`); changing one of the others needs a migration note in CHANGELOG.md.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, it } from 'vitest';
import { expectGolden } from '../test/golden';
import { buildApp } from './app';

describe('alerting stack logical ids', () => {
  it('are the ones deployed stacks already have', () => {
    const { alerting } = buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [] } }));
    const template = Template.fromStack(alerting).toJSON() as {
      Resources: Record<string, { Type: string }>;
      Outputs: Record<string, unknown>;
    };
    const lines = [
      ...Object.entries(template.Resources).map(([id, r]) => `${id} ${r.Type}`),
      ...Object.keys(template.Outputs).map((id) => `${id} (output)`),
    ].sort();
    expectGolden(
      new URL('./__golden__/', import.meta.url),
      'alerting-logical-ids.txt',
      `${lines.join('\n')}\n`,
    );
  });
});
