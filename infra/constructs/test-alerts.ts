/**
 * Where test alerts come in: their own event bus, whose resource policy admits only the
 * test-alert sender role, and that role. The notifier's test-alert rule listens on this bus
 * alone, so the default bus (which anyone in the account with `events:PutEvents` may use) can no
 * longer make it page. The policies are rules/test-alert-access.ts's, which the local event bus
 * enforces too.
 *
 * Who may assume the sender role: by default any principal of this account whose own IAM
 * policy allows `sts:AssumeRole` on it (an account's trust, the usual for operator roles);
 * `senders` narrows that to the listed role or user ARNs. Sessions last at most an hour.
 */
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { testAlertBusName, testAlertSenderRoleName } from '../../rules/names';
import { testAlertBusPolicy, testAlertSenderPolicy } from '../../rules/test-alert-access';

export interface TestAlertIngressProps {
  namePrefix: string;
  /** ARNs allowed to assume the sender role. @default the account (principals it permits) */
  senders?: readonly string[];
}

export class TestAlertIngress extends Construct {
  readonly bus: events.EventBus;
  readonly senderRole: iam.Role;

  constructor(scope: Construct, id: string, props: TestAlertIngressProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const busName = testAlertBusName(props.namePrefix);
    const roleName = testAlertSenderRoleName(props.namePrefix);
    // Both ARNs are spelled out rather than referenced, so the policy names exactly the
    // resources it protects without a dependency on them (and reads the same in the template).
    const busArn = stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: busName });
    const senderRoleArn = stack.formatArn({
      service: 'iam',
      region: '',
      resource: 'role',
      resourceName: roleName,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });

    this.senderRole = new iam.Role(this, 'Sender', {
      roleName,
      description: 'Puts test alerts on the test-alert bus (npm run rules -- fire)',
      assumedBy:
        props.senders && props.senders.length > 0
          ? new iam.CompositePrincipal(...props.senders.map((arn) => new iam.ArnPrincipal(arn)))
          : new iam.AccountRootPrincipal(),
      maxSessionDuration: Duration.hours(1),
      inlinePolicies: { PutTestAlerts: iam.PolicyDocument.fromJson(testAlertSenderPolicy({ busArn })) },
    });

    this.bus = new events.EventBus(this, 'Bus', { eventBusName: busName });
    (this.bus.node.defaultChild as events.CfnEventBus).policy = testAlertBusPolicy({ busArn, senderRoleArn });
    // The policy names the role by ARN; create the role first so the bus never refers to nothing.
    this.bus.node.addDependency(this.senderRole);
  }
}
