/**
 * The test-alert bus as the alerting stack deploys it, for the local EventBridge: its name and
 * resource policy (rules/test-alert-access.ts), and the principals that matter to it: a session
 * of the sender role, and an account administrator allowed `events:*` on `*`, whom the policy
 * still refuses. The local pipeline and the tests build it from here.
 */
import { testAlertBusName, testAlertSenderRoleName } from '../rules/names';
import {
  eventBusArn,
  roleArn,
  testAlertBusPolicy,
  testAlertSenderPolicy,
  type PolicyDocumentJson,
} from '../rules/test-alert-access';
import { roleSessionPrincipal, userPrincipal, type LocalPrincipal } from './iam-policy';

export interface LocalAccount {
  account: string;
  region: string;
}

export interface TestAlertBus {
  busName: string;
  busArn: string;
  /** For `createEventBus({ busPolicies })`. */
  busPolicies: Record<string, PolicyDocumentJson>;
}

export function testAlertBus(prefix: string, where: LocalAccount): TestAlertBus {
  const busName = testAlertBusName(prefix);
  const busArn = eventBusArn('aws', where.region, where.account, busName);
  const senderRoleArn = roleArn('aws', where.account, testAlertSenderRoleName(prefix));
  return { busName, busArn, busPolicies: { [busName]: testAlertBusPolicy({ busArn, senderRoleArn }) } };
}

/** A session of the test-alert sender role, with the role's own policy. */
export function testAlertSender(prefix: string, where: LocalAccount, session = 'drill'): LocalPrincipal {
  return roleSessionPrincipal(where.account, testAlertSenderRoleName(prefix), session, [
    testAlertSenderPolicy({ busArn: testAlertBus(prefix, where).busArn }),
  ]);
}

/** An IAM user whose own policy allows every EventBridge action on every resource. */
export function eventsAdministrator(account: string, userName = 'admin'): LocalPrincipal {
  return userPrincipal(account, userName, [
    { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'events:*', Resource: '*' }] },
  ]);
}
