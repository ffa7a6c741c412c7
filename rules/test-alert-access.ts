/**
 * Who may put test alerts, as plain IAM policy documents: the alerting stack deploys exactly
 * these (infra/constructs/test-alerts.ts) and the local EventBridge stand-in enforces exactly
 * these (local/event-bus.ts), so "refused locally" means "refused in AWS".
 *
 * | who                                         | PutEvents on the test-alert bus              |
 * |---------------------------------------------|----------------------------------------------|
 * | the test-alert sender role (any session)    | allowed (its own policy and the bus policy)  |
 * | anyone else in the account, admins included | refused: explicit deny in the bus policy     |
 * | another account                             | refused: explicit deny in the bus policy     |
 *
 * Why an explicit `Deny` with `aws:PrincipalArn`: within one account, IAM allows a request when
 * *either* the caller's identity policy or the resource policy allows it, so an `Allow` for the
 * role alone would not stop an administrator whose policy allows `events:PutEvents` on `*`. Only
 * an explicit deny wins over every allow. `aws:PrincipalArn` is the role's ARN for all of its
 * sessions, so the condition names the role, not a session. Rejected: `NotPrincipal`, which
 * needs every session ARN spelled out. Sources: docs/security.md.
 */

export type PolicyEffect = 'Allow' | 'Deny';

export interface PolicyStatementJson {
  Sid?: string;
  Effect: PolicyEffect;
  Principal?: '*' | { AWS: string | string[] };
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocumentJson {
  Version: '2012-10-17';
  Statement: PolicyStatementJson[];
}

export const PUT_EVENTS = 'events:PutEvents';

export interface TestAlertAccess {
  /** ARN of the test-alert bus. */
  busArn: string;
  /** ARN of the role allowed to put test alerts (rules/names.ts `testAlertSenderRoleName`). */
  senderRoleArn: string;
}

/** The test-alert bus's resource policy. */
export function testAlertBusPolicy(access: TestAlertAccess): PolicyDocumentJson {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OnlyTheTestAlertSenderMayPut',
        Effect: 'Deny',
        Principal: '*',
        Action: PUT_EVENTS,
        Resource: access.busArn,
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': access.senderRoleArn } },
      },
      {
        Sid: 'TestAlertSenderMayPut',
        Effect: 'Allow',
        Principal: { AWS: access.senderRoleArn },
        Action: PUT_EVENTS,
        Resource: access.busArn,
      },
    ],
  };
}

/** The sender role's own (identity) policy: PutEvents on the test-alert bus and nothing else. */
export function testAlertSenderPolicy(access: Pick<TestAlertAccess, 'busArn'>): PolicyDocumentJson {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: PUT_EVENTS, Resource: access.busArn }],
  };
}

export function eventBusArn(partition: string, region: string, account: string, busName: string): string {
  return `arn:${partition}:events:${region}:${account}:event-bus/${busName}`;
}

export function roleArn(partition: string, account: string, roleName: string): string {
  return `arn:${partition}:iam::${account}:role/${roleName}`;
}
