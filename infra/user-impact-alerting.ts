/**
 * `UserImpactAlerting`: everything a rule set turns into AWS resources, as one construct a team
 * adds to its own CDK app (README "Add it to your app"). This repository's alerting stack is a
 * thin stack around it (alerting-stack.ts), built exactly as a consumer builds one.
 *
 * What it creates, each from the rule set: per rule an X-Ray group (with Insights) and its
 * alarm; the sampling rules; the notifier with its EventBridge rules, dead-letter and deferral
 * queues, its own alarms and their ops topic; the `Incident Updated` bus; the test-alert bus and
 * its sender role; the scheduled digest; the on-call and digest topics and their key; the alerts
 * table; the rule-set layer the functions read their rules from.
 *
 * The rule set is validated here, at synth, with the synth's clock: a bad rule stops synth with
 * every problem listed (a {@link RuleSetError}) before anything reaches AWS.
 *
 * Construct ids are the ones the alerting stack always had, so a stack that creates this
 * construct with the id `Default` (as AlertingStack does) keeps every logical id: CDK leaves
 * `Default` out of logical ids and addresses.
 */
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { loadRuleSet } from '../rules/load';
import type { RuleSet, RuleSetInput } from '../rules/schema';
import { AlertsTable } from './constructs/alerts-table';
import { Digest } from './constructs/digest';
import { EncryptedTopic } from './constructs/encrypted-topic';
import { Notifier } from './constructs/notifier';
import { NotifierOperations } from './constructs/notifier-operations';
import { RuleGroup } from './constructs/rule-group';
import { RuleSetLayer } from './constructs/rule-set-layer';
import { SamplingRules } from './constructs/sampling-rules';
import { TestAlertIngress } from './constructs/test-alerts';

export interface UserImpactAlertingProps {
  /**
   * The rule set, as `defineRuleSet()` returns it (`user-impact-alerting/rules`). Validated at
   * synth; every problem is listed at once.
   */
  rules: RuleSetInput;
  /**
   * The clock checks that depend on time use (a silence that has already ended is an error).
   * @default the time of synth
   */
  validatedAt?: Date;
  /**
   * Secrets Manager name of the Slack bot token (`xoxb-…`). Only referenced: the value is put
   * there by hand, never in code or environment variables.
   * @default `<namePrefix>/slack-bot-token`
   */
  slackTokenSecretName?: string;
  /** On-call addresses subscribed to the immediate-email topic. @default none */
  onCallEmails?: readonly string[];
  /** Who operates the notifier: subscribed to the ops topic its own alarms go to. @default none (synth warns) */
  opsEmails?: readonly string[];
  /** Principals (role or user ARNs) allowed to assume the test-alert sender role. @default any principal of the account whose IAM policy allows it */
  testAlertSenders?: readonly string[];
  /** Reserved concurrency of the notifier; 0 for none (accounts still at the default limit). @default 10 */
  notifierReservedConcurrency?: number;
}

export class UserImpactAlerting extends Construct {
  /** The validated rule set, defaults filled in. */
  readonly ruleSet: RuleSet;
  readonly ruleGroups: ReadonlyMap<string, RuleGroup>;
  readonly ruleSetLayer: RuleSetLayer;
  readonly onCallTopic: EncryptedTopic;
  readonly digestTopic: EncryptedTopic;
  readonly alertsTable: AlertsTable;
  readonly slackTokenSecret: secretsmanager.ISecret;
  readonly topicKey: kms.Key;
  readonly notifier: Notifier;
  readonly operations: NotifierOperations;
  readonly testAlerts: TestAlertIngress;
  readonly digest: Digest;

  constructor(scope: Construct, id: string, props: UserImpactAlertingProps) {
    super(scope, id);
    const ruleSet = loadRuleSet(props.rules, { now: props.validatedAt ?? new Date() });
    this.ruleSet = ruleSet;
    const prefix = ruleSet.namePrefix;

    // ---- What the rules become in X-Ray and CloudWatch ----
    const groups = new Map<string, RuleGroup>();
    for (const rule of ruleSet.rules) {
      groups.set(rule.id, new RuleGroup(this, `Rule-${rule.id}`, { rule, namePrefix: prefix }));
    }
    this.ruleGroups = groups;
    new SamplingRules(this, 'Sampling', { rules: ruleSet.sampling });

    // ---- Shared resources: topics, key, table, the Slack token, the rule-set layer ----
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
    this.slackTokenSecret = secretsmanager.Secret.fromSecretNameV2(
      this,
      'SlackToken',
      props.slackTokenSecretName ?? `${prefix}/slack-bot-token`,
    );
    this.ruleSetLayer = new RuleSetLayer(this, 'RuleSet', { ruleSet });

    // ---- The functions and what feeds them: compose further sub-constructs here ----
    this.digest = new Digest(this, 'Digest', {
      config: ruleSet.digest,
      ruleSetLayer: this.ruleSetLayer,
      topic: this.digestTopic.topic,
      table: this.alertsTable.table,
      key: this.topicKey,
    });
    this.testAlerts = new TestAlertIngress(this, 'TestAlerts', {
      namePrefix: prefix,
      ...(props.testAlertSenders && { senders: props.testAlertSenders }),
    });
    this.notifier = new Notifier(this, 'Notifier', {
      ruleSet,
      ruleSetLayer: this.ruleSetLayer,
      topic: this.onCallTopic.topic,
      key: this.topicKey,
      table: this.alertsTable.table,
      secret: this.slackTokenSecret,
      testAlertBus: this.testAlerts.bus,
      ...(props.notifierReservedConcurrency !== undefined && {
        reservedConcurrency: props.notifierReservedConcurrency,
      }),
    });
    this.operations = new NotifierOperations(this, 'NotifierOperations', {
      notifier: this.notifier,
      namePrefix: prefix,
      key: this.topicKey,
      emails: props.opsEmails ?? [],
    });
  }
}
