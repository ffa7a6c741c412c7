/**
 * The deployed test-alert bus policy, taken from the synthesized template, refuses a forged test
 * alert in the local EventBridge exactly as EventBridge would, and admits the sender role: the
 * local bus runs the policy CloudFormation would deploy, not a copy of it.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app';
import {
  createEventBus,
  startEventBridgeServer,
  type BusEvent,
  type EventBridgeServer,
} from '../../local/event-bus';
import { roleSessionPrincipal, userPrincipal } from '../../local/iam-policy';
import { ruleSet } from '../../rules';
import {
  TEST_ALERT_DETAIL_TYPE,
  projectEventSource,
  testAlertBusName,
  testAlertEventPattern,
  testAlertSenderRoleName,
} from '../../rules/names';
import { roleArn, testAlertBusPolicy, type PolicyDocumentJson } from '../../rules/test-alert-access';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const BUS = testAlertBusName(ruleSet.namePrefix);
const ROLE = testAlertSenderRoleName(ruleSet.namePrefix);

type Resource = { Type: string; Properties: Record<string, unknown> };

/** The intrinsics the policies use, resolved for the offline synth's placeholder environment. */
function resolve(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolve);
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  if ('Fn::Join' in record) {
    const [separator, parts] = record['Fn::Join'] as [string, unknown[]];
    return parts.map(resolve).join(separator);
  }
  if ('Ref' in record) {
    const pseudo: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::Region': REGION,
      'AWS::AccountId': ACCOUNT,
    };
    const resolved = pseudo[record['Ref'] as string];
    if (resolved === undefined) throw new Error(`cannot resolve ${JSON.stringify(record)}`);
    return resolved;
  }
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, resolve(v)]));
}

let deployedBusPolicy: PolicyDocumentJson;
let deployedSenderPolicy: PolicyDocumentJson;
let server: EventBridgeServer;
let localBus: ReturnType<typeof createEventBus>;
const delivered: BusEvent[] = [];

beforeAll(async () => {
  const { alerting } = buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [] } }));
  const resources = Object.values(
    Template.fromStack(alerting).toJSON()['Resources'] as Record<string, Resource>,
  );
  const bus = resources.find((r) => r.Type === 'AWS::Events::EventBus' && r.Properties['Name'] === BUS);
  const role = resources.find((r) => r.Type === 'AWS::IAM::Role' && r.Properties['RoleName'] === ROLE);
  deployedBusPolicy = resolve(bus?.Properties['Policy']) as PolicyDocumentJson;
  deployedSenderPolicy = resolve(
    (role?.Properties['Policies'] as Array<{ PolicyDocument: unknown }>)[0]?.PolicyDocument,
  ) as PolicyDocumentJson;

  const local = (localBus = createEventBus({
    account: ACCOUNT,
    region: REGION,
    busNames: ['default', BUS],
    busPolicies: { [BUS]: deployedBusPolicy },
  }));
  local.addTarget({
    id: 'uia--test-alerts',
    busName: BUS,
    pattern: testAlertEventPattern(ruleSet, ACCOUNT),
    handler: (e) => void delivered.push(e),
  });
  const everything: PolicyDocumentJson = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
  };
  server = await startEventBridgeServer(local, {
    principals: {
      ASIASENDER: roleSessionPrincipal(ACCOUNT, ROLE, 'on-call-drill', [deployedSenderPolicy]),
      AKIAADMIN: userPrincipal(ACCOUNT, 'admin', [everything]),
      ASIAOTHERROLE: roleSessionPrincipal(ACCOUNT, 'ci-deployer', 'pipeline', [everything]),
    },
  });
});
afterAll(() => server?.close());

function putTestAlert(accessKeyId: string) {
  const client = new EventBridgeClient({
    endpoint: server.url,
    region: REGION,
    credentials: { accessKeyId, secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  return client
    .send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: BUS,
            Source: projectEventSource(ruleSet.namePrefix),
            DetailType: TEST_ALERT_DETAIL_TYPE,
            Detail: JSON.stringify({
              ruleId: 'registered-user-faults',
              state: 'firing',
              note: 'forged page',
            }),
          },
        ],
      }),
    )
    .finally(() => client.destroy());
}

describe('the deployed test-alert bus policy, enforced by the local bus', () => {
  it('is the policy rules/test-alert-access.ts defines, for this account', () => {
    expect(deployedBusPolicy).toEqual(
      testAlertBusPolicy({
        busArn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${BUS}`,
        senderRoleArn: roleArn('aws', ACCOUNT, ROLE),
      }),
    );
  });

  it.each([
    ['an account administrator (allowed * on *)', 'AKIAADMIN', `arn:aws:iam::${ACCOUNT}:user/admin`],
    [
      'another role of the account',
      'ASIAOTHERROLE',
      `arn:aws:sts::${ACCOUNT}:assumed-role/ci-deployer/pipeline`,
    ],
  ])(
    'refuses a forged test alert from %s with EventBridge’s AccessDeniedException',
    async (_who, key, arn) => {
      const before = delivered.length;
      const error = await putTestAlert(key).catch((e: unknown) => e);
      expect(error).toMatchObject({
        name: 'AccessDeniedException',
        message: `User: ${arn} is not authorized to perform: events:PutEvents on resource: arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${BUS} with an explicit deny in a resource-based policy`,
        $metadata: expect.objectContaining({ httpStatusCode: 400 }),
      });
      expect(delivered.length).toBe(before);
    },
  );

  it('admits the sender role, and the notifier’s rule receives the alert', async () => {
    const out = await putTestAlert('ASIASENDER');
    expect(out.FailedEntryCount).toBe(0);
    await localBus.idle();
    expect(delivered.at(-1)).toMatchObject({ account: ACCOUNT, 'detail-type': 'Test Alert' });
  });
});
