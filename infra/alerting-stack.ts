/**
 * The alerting stack of this repository: the public {@link UserImpactAlerting} construct, used
 * exactly as a consumer's app uses it, plus the outputs `npm run dlq` reads back.
 *
 * The construct's id is `Default`, which CDK leaves out of logical ids: every resource keeps the
 * logical id it had when this stack created them itself (infra/logical-ids.test.ts holds the list).
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { RuleSetInput } from '../rules/schema';
import { Interactivity } from './constructs/interactivity';
import { OUTPUT_KEYS } from './outputs';
import { UserImpactAlerting, type UserImpactAlertingProps } from './user-impact-alerting';

export interface AlertingStackProps extends StackProps, Omit<UserImpactAlertingProps, 'rules'> {
  /** The rule set (a definition or an already validated set); validated again at synth. */
  ruleSet: RuleSetInput;
  /**
   * Secrets Manager name of the Slack app's signing secret (the page buttons' endpoint).
   * @default `${namePrefix}/slack-signing-secret`
   */
  slackSigningSecretName?: string;
}

export class AlertingStack extends Stack {
  readonly alerting: UserImpactAlerting;
  readonly interactivity: Interactivity;

  constructor(scope: Construct, id: string, props: AlertingStackProps) {
    super(scope, id, props);
    const { ruleSet, slackTokenSecretName, onCallEmails, opsEmails, testAlertSenders, validatedAt } = props;
    this.alerting = new UserImpactAlerting(this, 'Default', {
      rules: ruleSet,
      ...(validatedAt && { validatedAt }),
      ...(slackTokenSecretName && { slackTokenSecretName }),
      ...(onCallEmails && { onCallEmails }),
      ...(opsEmails && { opsEmails }),
      ...(testAlertSenders && { testAlertSenders }),
      ...(props.notifierReservedConcurrency !== undefined && {
        notifierReservedConcurrency: props.notifierReservedConcurrency,
      }),
    });
    const { notifier, operations } = this.alerting;

    // Slack interactivity (page buttons): its own construct, infra/constructs/interactivity.ts.
    this.interactivity = new Interactivity(this, 'Interactivity', {
      namePrefix: this.alerting.ruleSet.namePrefix,
      table: this.alerting.alertsTable.table,
      botTokenSecret: this.alerting.slackTokenSecret,
      ...(props.slackSigningSecretName !== undefined && { signingSecretName: props.slackSigningSecretName }),
    });
    new CfnOutput(this, 'SlackInteractivityUrl', {
      value: this.interactivity.url.url,
      description: 'The Slack app’s Interactivity Request URL (README "Slack app")',
    });

    // Read back by `npm run dlq` (cli/dlq/target.ts), so operators need not copy them.
    new CfnOutput(this, OUTPUT_KEYS.deadLetterQueueUrl, {
      value: notifier.deadLetterQueue.queueUrl,
      description: 'The notifier’s dead-letter queue (npm run dlq -- list)',
    });
    new CfnOutput(this, OUTPUT_KEYS.notifierFunctionName, {
      value: notifier.fn.functionName,
      description: 'The notifier function that npm run dlq -- replay invokes',
    });
    new CfnOutput(this, OUTPUT_KEYS.opsTopicArn, {
      value: operations.topic.topic.topicArn,
      description: 'Where the notifier’s own alarms go (subscribe with -c opsEmails=…)',
    });
  }

  get ruleGroups() {
    return this.alerting.ruleGroups;
  }
  get notifier() {
    return this.alerting.notifier;
  }
  get operations() {
    return this.alerting.operations;
  }
  get testAlerts() {
    return this.alerting.testAlerts;
  }
}
