/**
 * The interactivity endpoint as deployed: a function URL Slack can reach (no IAM auth, the
 * signing secret instead), secrets by reference only, and a role that can do exactly what the
 * code does (functions/interactivity) and nothing more.
 */
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app';

interface Statement {
  Action: string | string[];
  Resource: unknown;
  Effect: string;
}
type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

let template: Template;
let resources: Resources;
beforeAll(() => {
  template = Template.fromStack(buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [] } })).alerting);
  resources = template.toJSON().Resources as Resources;
});

const idOf = (type: string, prefix: string) => {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0]!;
};

function statements(): Statement[] {
  const role = idOf('AWS::IAM::Role', 'InteractivityRole');
  return Object.values(template.findResources('AWS::IAM::Policy') as Resources)
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}
const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe('interactivity endpoint in the alerting stack', () => {
  it('is a function URL on the interactivity function, without IAM auth (Slack signs instead), and is an output', () => {
    const fn = idOf('AWS::Lambda::Function', 'InteractivityFunction');
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      TargetFunctionArn: { 'Fn::GetAtt': [fn, 'Arn'] },
    });
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.SlackInteractivityUrl?.Value).toEqual({
      'Fn::GetAtt': [idOf('AWS::Lambda::Url', 'InteractivityFunctionFunctionUrl'), 'FunctionUrl'],
    });
  });

  it('names both secrets by reference only: the environment holds names, no secret resource is created', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'uia-slack-interactivity',
      Environment: {
        Variables: Match.objectLike({
          SLACK_SIGNING_SECRET_ID: 'uia/slack-signing-secret',
          SLACK_TOKEN_SECRET_ID: 'uia/slack-bot-token',
        }),
      },
    });
    const env = JSON.stringify(
      resources[idOf('AWS::Lambda::Function', 'InteractivityFunction')]?.Properties.Environment,
    );
    expect(env).not.toMatch(/xox[bp]-|SIGNING_SECRET"\s*:\s*"[0-9a-f]{32}/);
  });

  it('has a role that can do exactly what the code calls, each on its own resource', () => {
    const list = statements();
    expect(list.every((s) => s.Effect === 'Allow')).toBe(true);
    const byAction = Object.fromEntries(list.flatMap((s) => actions(s).map((a) => [a, s.Resource])));
    expect(Object.keys(byAction).sort()).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'lambda:InvokeFunction',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'secretsmanager:GetSecretValue',
      'sqs:SendMessage',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
    expect(JSON.stringify(byAction['lambda:InvokeFunction'])).toContain(':function:uia-slack-interactivity');
    expect(JSON.stringify(byAction['secretsmanager:GetSecretValue'])).toContain(
      'uia/slack-signing-secret-??????',
    );
    expect(JSON.stringify(byAction['secretsmanager:GetSecretValue'])).toContain('uia/slack-bot-token-??????');
    // No wildcard action anywhere, and `*` as a resource only for X-Ray (no resource-level permissions).
    for (const s of list) {
      expect(
        actions(s).some((a) => a.includes('*')),
        JSON.stringify(s),
      ).toBe(false);
      if (s.Resource === '*') expect(actions(s).every((a) => a.startsWith('xray:'))).toBe(true);
    }
    const role = resources[idOf('AWS::IAM::Role', 'InteractivityRole')]!;
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('retries the slow half twice and keeps what still fails in its own queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: idOf('AWS::Lambda::Function', 'InteractivityFunction') },
      MaximumRetryAttempts: 2,
      DestinationConfig: {
        OnFailure: {
          Destination: { 'Fn::GetAtt': [idOf('AWS::SQS::Queue', 'InteractivityFailedActions'), 'Arn'] },
        },
      },
    });
  });
});
