import { describe, expect, it } from 'vitest';
import {
  PUT_EVENTS,
  eventBusArn,
  roleArn,
  testAlertBusPolicy,
  testAlertSenderPolicy,
  type PolicyDocumentJson,
} from '../rules/test-alert-access';
import { authorize, roleSessionPrincipal, userPrincipal, type LocalPrincipal } from './iam-policy';

const ACCOUNT = '123456789012';
const BUS = eventBusArn('aws', 'us-east-1', ACCOUNT, 'uia-test-alerts');
const SENDER = roleArn('aws', ACCOUNT, 'uia-test-alert-sender');
const busPolicy = testAlertBusPolicy({ busArn: BUS, senderRoleArn: SENDER });
const putAnywhere: PolicyDocumentJson = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'events:*', Resource: '*' }],
};

const sender = roleSessionPrincipal(ACCOUNT, 'uia-test-alert-sender', 'alice', [
  testAlertSenderPolicy({ busArn: BUS }),
]);
const admin = userPrincipal(ACCOUNT, 'admin', [putAnywhere]);
const otherRole = roleSessionPrincipal(ACCOUNT, 'ci-deployer', 'run-42', [putAnywhere]);
const stranger = roleSessionPrincipal('999999999999', 'uia-test-alert-sender', 'mallory', [putAnywhere]);

/** `null`: the resource has no policy. */
const put = (
  principal: LocalPrincipal,
  resourcePolicy: PolicyDocumentJson | null = busPolicy,
  resource = BUS,
) =>
  authorize({
    principal,
    action: PUT_EVENTS,
    resource,
    resourceAccount: ACCOUNT,
    resourcePolicy: resourcePolicy ?? undefined,
  });

describe('authorize: the test-alert bus policy', () => {
  it('lets any session of the sender role put', () => {
    expect(put(sender)).toEqual({ allowed: true });
  });

  it.each([
    ['an administrator whose own policy allows events:* on *', admin, `arn:aws:iam::${ACCOUNT}:user/admin`],
    ['another role of the account', otherRole, `arn:aws:sts::${ACCOUNT}:assumed-role/ci-deployer/run-42`],
    [
      'a same-named role in another account',
      stranger,
      'arn:aws:sts::999999999999:assumed-role/uia-test-alert-sender/mallory',
    ],
  ])('refuses %s with an explicit deny in the bus policy', (_who, principal, arn) => {
    expect(put(principal)).toEqual({
      allowed: false,
      message: `User: ${arn} is not authorized to perform: events:PutEvents on resource: ${BUS} with an explicit deny in a resource-based policy`,
    });
  });

  it('lets the administrator put on a bus without a policy (the default bus), as in AWS', () => {
    const defaultBus = eventBusArn('aws', 'us-east-1', ACCOUNT, 'default');
    expect(put(admin, null, defaultBus)).toEqual({ allowed: true });
  });

  it('refuses the sender role anything but the test-alert bus', () => {
    const defaultBus = eventBusArn('aws', 'us-east-1', ACCOUNT, 'default');
    expect(put(sender, null, defaultBus)).toMatchObject({
      allowed: false,
      message: expect.stringContaining('because no identity-based policy allows the events:PutEvents action'),
    });
  });

  it('needs both sides across accounts', () => {
    const openToStranger: PolicyDocumentJson = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: '999999999999' }, Action: PUT_EVENTS, Resource: BUS }],
    };
    expect(put(stranger, openToStranger)).toEqual({ allowed: true });
    expect(put(stranger, null)).toMatchObject({
      allowed: false,
      message: expect.stringContaining('because no resource-based policy allows'),
    });
  });

  it('refuses to evaluate what it does not model instead of ignoring it', () => {
    const unknownKey: PolicyDocumentJson = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Principal: '*',
          Action: PUT_EVENTS,
          Resource: BUS,
          Condition: { StringEquals: { 'aws:SourceIp': '1.2.3.4' } },
        },
      ],
    };
    expect(() => put(admin, unknownKey)).toThrow(/condition key aws:SourceIp/);
    const unknownOperator: PolicyDocumentJson = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Principal: '*',
          Action: PUT_EVENTS,
          Resource: BUS,
          Condition: { IpAddress: { 'aws:PrincipalArn': 'x' } },
        },
      ],
    };
    expect(() => put(admin, unknownOperator)).toThrow(/condition operator IpAddress/);
  });
});
