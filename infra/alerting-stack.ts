/**
 * The alerting stack: everything the rule set turns into AWS resources. Function code
 * (notifier, digest) is added by later constructs; this stack owns the groups, alarms,
 * sampling rules, topics, the alerts table and the reference to the Slack token.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { RuleSet } from '../rules/schema';
import { AlertsTable } from './constructs/alerts-table';
import { Digest } from './constructs/digest';
import { Interactivity } from './constructs/interactivity';
import { EncryptedTopic } from './constructs/encrypted-topic';
import { Notifier } from './constructs/notifier';
import { NotifierOperations } from './constructs/notifier-operations';
import { OUTPUT_KEYS } from './outputs';
import { RuleGroup } from './constructs/rule-group';
import { SamplingRules } from './constructs/sampling-rules';
import { TestAlertIngress } from './constructs/test-alerts';

export interface AlertingStackProps extends StackProps {
  ruleSet: RuleSet;
  /**
   * Secrets Manager name of the Slack bot token (`xoxb-…`). Only referenced: the value is
   * put there by hand (README "Deploying"), never in code or environment variables.
   * @default 'uia/slack-bot-token'
   */
  slackTokenSecretName?: string;
  /** On-call addresses subscribed to the immediate-email topic. @default none */
  onCallEmails?: readonly string[];
  /** Who operates the notifier: subscribed to the ops topic its own alarms go to. @default none */
  opsEmails?: readonly string[];
  /** Principals allowed to assume the test-alert sender role. @default the account's, by IAM policy */
  testAlertSenders?: readonly string[];
  /** Reserved concurrency of the notifier; 0 for none. @default NOTIFIER_RESERVED_CONCURRENCY */
  notifierReservedConcurrency?: number;
  /**
   * Secrets Manager name of the Slack app's signing secret (the page buttons' endpoint).
   * @default `${namePrefix}/slack-signing-secret`
   */
  slackSigningSecretName?: string;
}

export class AlertingStack extends Stack {
  readonly ruleGroups: ReadonlyMap<string, RuleGroup>;
  readonly onCallTopic: EncryptedTopic;
  readonly digestTopic: EncryptedTopic;
  readonly alertsTable: AlertsTable;
  readonly slackTokenSecret: secretsmanager.ISecret;
  readonly topicKey: kms.Key;
  readonly notifier: Notifier;
  readonly operations: NotifierOperations;
  readonly testAlerts: TestAlertIngress;
  readonly interactivity: Interactivity;

  constructor(scope: Construct, id: string, props: AlertingStackProps) {
    super(scope, id, props);
    const { ruleSet } = props;

    const groups = new Map<string, RuleGroup>();
    for (const rule of ruleSet.rules) {
      groups.set(rule.id, new RuleGroup(this, `Rule-${rule.id}`, { rule, namePrefix: ruleSet.namePrefix }));
    }
    this.ruleGroups = groups;
    new SamplingRules(this, 'Sampling', { rules: ruleSet.sampling });

    this.topicKey = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the on-call, digest and ops topics',
      enableKeyRotation: true,
    });
    this.onCallTopic = new EncryptedTopic(this, 'OnCallTopic', {
      displayName: 'User-impact alerts (on-call)',
      key: this.topicKey,
      emails: props.onCallEmails ?? [],
    });
    this.digestTopic = new EncryptedTopic(this, 'DigestTopic', {
      displayName: 'User-impact digest (managers)',
      key: this.topicKey,
      emails: ruleSet.digest.recipients,
    });

    this.alertsTable = new AlertsTable(this, 'Alerts');
    const wiring = { topic: this.digestTopic.topic, table: this.alertsTable.table, key: this.topicKey };
    new Digest(this, 'Digest', { config: ruleSet.digest, ...wiring });
    this.slackTokenSecret = secretsmanager.Secret.fromSecretNameV2(
      this,
      'SlackToken',
      props.slackTokenSecretName ?? 'uia/slack-bot-token',
    );
    this.testAlerts = new TestAlertIngress(this, 'TestAlerts', {
      namePrefix: ruleSet.namePrefix,
      ...(props.testAlertSenders && { senders: props.testAlertSenders }),
    });
    const onCall = { topic: this.onCallTopic.topic, key: this.topicKey, table: this.alertsTable.table };
    this.notifier = new Notifier(this, 'Notifier', {
      ruleSet,
      ...onCall,
      secret: this.slackTokenSecret,
      testAlertBus: this.testAlerts.bus,
      ...(props.notifierReservedConcurrency !== undefined && {
        reservedConcurrency: props.notifierReservedConcurrency,
      }),
    });
    this.operations = new NotifierOperations(this, 'NotifierOperations', {
      notifier: this.notifier,
      namePrefix: ruleSet.namePrefix,
      key: this.topicKey,
      emails: props.opsEmails ?? [],
    });

    // Slack interactivity (page buttons): its own construct, infra/constructs/interactivity.ts.
    this.interactivity = new Interactivity(this, 'Interactivity', {
      namePrefix: ruleSet.namePrefix,
      table: this.alertsTable.table,
      botTokenSecret: this.slackTokenSecret,
      ...(props.slackSigningSecretName !== undefined && { signingSecretName: props.slackSigningSecretName }),
    });
    new CfnOutput(this, 'SlackInteractivityUrl', {
      value: this.interactivity.url.url,
      description: 'The Slack app’s Interactivity Request URL (README "Slack app")',
    });

    // Read back by `npm run dlq` (cli/dlq/target.ts), so operators need not copy them.
    new CfnOutput(this, OUTPUT_KEYS.deadLetterQueueUrl, {
      value: this.notifier.deadLetterQueue.queueUrl,
      description: 'The notifier’s dead-letter queue (npm run dlq -- list)',
    });
    new CfnOutput(this, OUTPUT_KEYS.notifierFunctionName, {
      value: this.notifier.fn.functionName,
      description: 'The notifier function that npm run dlq -- replay invokes',
    });
    new CfnOutput(this, OUTPUT_KEYS.opsTopicArn, {
      value: this.operations.topic.topic.topicArn,
      description: 'Where the notifier’s own alarms go (subscribe with -c opsEmails=…)',
    });
  }
}
