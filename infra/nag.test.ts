/**
 * cdk-nag over the whole app exactly as `npm run synth` runs it: both packs, no finding left
 * unacknowledged, and every acknowledgement visible in CDK's validation report with its reason
 * (an acknowledgement cdk-nag swallows before CDK sees it would be an accepted risk nobody can
 * audit).
 */
import { App, Validations } from 'aws-cdk-lib';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app';
import { acknowledgeNag } from './nag';

interface SuppressedViolation {
  ruleName: string;
  acknowledgedId: string;
  acknowledgedAt: string;
  reason?: string;
  violatingConstructs: Array<{ constructPath: string }>;
}

interface ValidationReport {
  pluginReports: Array<{
    pluginName: string;
    conclusion: string;
    violations: unknown[];
    suppressedViolations?: SuppressedViolation[];
  }>;
}

interface Acknowledgement {
  id: string;
  path: string;
  reason: string;
}

function acknowledgementsIn(app: App): Acknowledgement[] {
  return app.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          id,
          path: c.node.path,
          reason,
        })),
      ),
  );
}

describe('cdk-nag at synth', () => {
  let report: ValidationReport;
  let acknowledgements: Acknowledgement[];
  beforeAll(() => {
    // Bundling skipped: the checks read the templates, not the code.
    const { app } = buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [] } }));
    const assembly = app.synth();
    report = JSON.parse(
      readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8'),
    ) as ValidationReport;
    acknowledgements = acknowledgementsIn(app);
  });

  it('runs the AwsSolutions and the Serverless pack, and both pass', () => {
    expect(report.pluginReports.map((p) => [p.pluginName, p.conclusion, p.violations.length])).toEqual([
      ['AwsSolutions', 'success', 0],
      ['Serverless', 'success', 0],
    ]);
  });

  it('acknowledges findings of both packs in both stacks', () => {
    const packs = new Set(acknowledgements.map((a) => a.id.split('::')[0]));
    expect(packs).toEqual(new Set(['AwsSolutions', 'Serverless']));
    const stacks = new Set(acknowledgements.map((a) => a.path.split('/')[0]));
    expect(stacks).toEqual(new Set(['UiaAlerting', 'UiaShop']));
  });

  it('shows every acknowledgement in the report, at the construct that made it, with its reason', () => {
    const suppressed = report.pluginReports.flatMap((p) => p.suppressedViolations ?? []);
    const reported = new Set(suppressed.map((s) => `${s.acknowledgedId} @ ${s.acknowledgedAt}`));
    const missing = acknowledgements.filter((a) => !reported.has(`${a.id} @ ${a.path}`));
    expect(missing, 'acknowledged but not in the report (or acknowledging nothing)').toEqual([]);
    for (const s of suppressed) {
      expect(s.reason?.length, `${s.acknowledgedId} at ${s.acknowledgedAt}`).toBeGreaterThan(20);
      expect(s.acknowledgedId).toBe(`${s.ruleName.split('-')[0]}::${s.ruleName}`);
    }
    // The shop's 22 AwsSolutions acknowledgements were invisible before the namespace fix.
    expect(suppressed.filter((s) => s.acknowledgedAt.startsWith('UiaShop/')).length).toBeGreaterThanOrEqual(
      22,
    );
  });

  it('refuses an acknowledgement without a real reason', () => {
    const app = new App();
    expect(() => acknowledgeNag(app, 'Serverless', 'LambdaDLQ', 'because')).toThrow(/needs a real reason/);
  });
});
