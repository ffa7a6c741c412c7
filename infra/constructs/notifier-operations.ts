/**
 * Watching the notifier itself: alarms on its own failures, sent to an **ops topic** separate
 * from the on-call page topic, because an alarm that guards the pages must not travel the
 * path it guards (a broken on-call topic or key would silence both). The alarms publish to SNS
 * directly and never go through the notifier: their names are not in the notifier's event
 * patterns (rules/names.ts lists only the rules' alarms).
 *
 * | alarm            | metric (statistic, period)                        | fires when                      | why this threshold                                        |
 * |------------------|---------------------------------------------------|---------------------------------|-----------------------------------------------------------|
 * | `errors`         | AWS/Lambda Errors (Sum, 1 min)                    | > 0 in 2 of 5 minutes           | one error is retried a minute later and usually passes;   |
 * |                  |                                                   |                                 | errors in two minutes mean the retry failed too           |
 * | `throttles`      | AWS/Lambda Throttles (Sum, 1 min)                 | > 0 in 2 of 10 minutes          | Lambda retries a throttled event from 1 s up to 5 min     |
 * |                  |                                                   |                                 | apart: two throttled minutes are no one-off burst         |
 * | `event-age`      | AWS/Lambda AsyncEventAge (Maximum, 1 min)         | > retry schedule + 1 min        | older than every retry explains: events wait for          |
 * |                  |                                                   | (6 min with a 1-minute timeout) | concurrency, pages are late                               |
 * | `events-dropped` | AWS/Lambda AsyncEventsDropped (Sum, 1 min)        | > 0, once                       | each is an event Lambda gave up on                        |
 * | `dead-letters`   | AWS/SQS NumberOfMessagesSent on the DLQ (Sum, 5m) | > 0, once                       | a *new* dead letter: the count of arrivals, so the alarm  |
 * |                  |                                                   |                                 | clears and fires again for the next one (depth stays up   |
 * |                  |                                                   |                                 | after the first and never notifies again)                 |
 * | `dead-letters-lost` | Lambda DestinationDeliveryFailures + EventBridge | > 0, once                     | the event could not even be dead-lettered: it is gone     |
 * |                  | InvocationsFailedToBeSentToDlq (Sum, 1 min)       |                                 |                                                           |
 *
 * Missing data is not breaching everywhere: these metrics exist only while something happens.
 * The condition alarms (errors, throttles, event age) also notify when they clear; the event
 * alarms do not, since their OK says only "none new for a while" while the dead letters are
 * still waiting in the queue (`npm run dlq -- list`). Sources for every metric:
 * docs/notifier-operations.md.
 */
import { Annotations, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { opsAlarmName } from '../../rules/names';
import { allowAlarmsToPublish } from './alarm-topic-access';
import { EncryptedTopic } from './encrypted-topic';
import { ASYNC_RETRY_ATTEMPTS, NOTIFIER_TIMEOUT, type Notifier } from './notifier';

/** Lambda's waits before its two async retries: "one minute … and two minutes". */
export const LAMBDA_RETRY_WAITS = [Duration.minutes(1), Duration.minutes(2)] as const;

/**
 * The oldest an event gets while Lambda is merely retrying it: every attempt but the last
 * running to the timeout, plus the waits between them; one minute of slack on top.
 */
export function eventAgeThreshold(timeout: Duration, retryAttempts: number): Duration {
  const waits = LAMBDA_RETRY_WAITS.slice(0, retryAttempts).reduce((sum, d) => sum + d.toSeconds(), 0);
  return Duration.seconds(retryAttempts * timeout.toSeconds() + waits + 60);
}

export const OPS_ALARM_KINDS = [
  'errors',
  'throttles',
  'event-age',
  'events-dropped',
  'dead-letters',
  'dead-letters-lost',
] as const;
export type OpsAlarmKind = (typeof OPS_ALARM_KINDS)[number];

/** `<prefix>--ops--notifier-<kind>`: derived in rules/names.ts like every AWS name. */
export const notifierOpsAlarmName = (prefix: string, kind: OpsAlarmKind) =>
  opsAlarmName(prefix, `notifier-${kind}`);

export interface NotifierOperationsProps {
  notifier: Notifier;
  /** Prefix of every AWS name (the rule set's `namePrefix`). */
  namePrefix: string;
  /** The key the ops topic is encrypted with (the stack's topic key, like the other topics). */
  key: kms.IKey;
  /** Who operates the notifier (`-c opsEmails=…`); each must confirm AWS's mail. */
  emails: readonly string[];
}

export class NotifierOperations extends Construct {
  readonly topic: EncryptedTopic;
  readonly alarms: ReadonlyMap<OpsAlarmKind, cloudwatch.Alarm>;

  constructor(scope: Construct, id: string, props: NotifierOperationsProps) {
    super(scope, id);
    const { notifier, namePrefix, key } = props;
    const fn = notifier.fn;
    const name = (kind: OpsAlarmKind) => notifierOpsAlarmName(namePrefix, kind);

    this.topic = new EncryptedTopic(this, 'Topic', {
      displayName: 'User-impact alerting: notifier operations',
      key,
      emails: props.emails,
    });
    if (props.emails.length === 0) {
      Annotations.of(this).addWarningV2(
        'uia:ops-topic-without-subscribers',
        'The ops topic has no subscribers: the notifier’s own alarms reach nobody. Deploy with -c opsEmails=you@example.com',
      );
    }
    // CloudWatch publishes to the encrypted topic: it needs the topic and the key, for these alarms only.
    allowAlarmsToPublish(this, { topic: this.topic.topic, key, alarmNames: OPS_ALARM_KINDS.map(name) });

    const lambdaMetric = (metricName: string, statistic: string) =>
      fn.metric(metricName, { statistic, period: Duration.minutes(1) });
    const ageLimit = eventAgeThreshold(NOTIFIER_TIMEOUT, ASYNC_RETRY_ATTEMPTS);
    const alarms = new Map<OpsAlarmKind, cloudwatch.Alarm>();
    const alarm = (
      kind: OpsAlarmKind,
      options: {
        metric: cloudwatch.IMetric;
        threshold: number;
        datapoints: [number, number];
        description: string;
        notifyOnClear: boolean;
      },
    ) => {
      const created = new cloudwatch.Alarm(this, `Alarm-${kind}`, {
        alarmName: name(kind),
        alarmDescription: options.description,
        metric: options.metric,
        threshold: options.threshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        datapointsToAlarm: options.datapoints[0],
        evaluationPeriods: options.datapoints[1],
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      const action = new cwActions.SnsAction(this.topic.topic);
      created.addAlarmAction(action);
      if (options.notifyOnClear) created.addOkAction(action);
      alarms.set(kind, created);
    };

    alarm('errors', {
      metric: lambdaMetric('Errors', cloudwatch.Stats.SUM),
      threshold: 0,
      datapoints: [2, 5],
      notifyOnClear: true,
      description:
        'The notifier failed in two of the last five minutes: Lambda is retrying events (a minute, then two, apart) and pages may be late. ' +
        'Read the notifier log for "event failed"; what is still failing after the last retry lands in the DLQ (npm run dlq -- list).',
    });
    alarm('throttles', {
      metric: lambdaMetric('Throttles', cloudwatch.Stats.SUM),
      threshold: 0,
      datapoints: [2, 10],
      notifyOnClear: true,
      description:
        'Notifier invocations were throttled in two of the last ten minutes: the account has no Lambda concurrency left, and pages wait in Lambda’s queue. ' +
        'Find what uses the concurrency (often the shop under load), or reserve concurrency for the notifier.',
    });
    alarm('event-age', {
      metric: lambdaMetric('AsyncEventAge', cloudwatch.Stats.MAXIMUM),
      threshold: ageLimit.toMilliseconds(),
      datapoints: [1, 1],
      notifyOnClear: true,
      description:
        `An event waited over ${ageLimit.toMinutes()} minutes before the notifier ran (longer than all of Lambda’s retries): pages are late. ` +
        'Check the throttles and errors alarms; events older than the maximum event age go to the DLQ.',
    });
    alarm('events-dropped', {
      metric: lambdaMetric('AsyncEventsDropped', cloudwatch.Stats.SUM),
      threshold: 0,
      datapoints: [1, 1],
      notifyOnClear: false,
      description:
        'Lambda gave up on a notifier event (retries exhausted or too old): a page may be missing. ' +
        'It should be in the DLQ: npm run dlq -- list, fix the cause, npm run dlq -- replay --all. If it is not there, see the dead-letters-lost alarm.',
    });
    alarm('dead-letters', {
      metric: notifier.deadLetterQueue.metric('NumberOfMessagesSent', {
        statistic: cloudwatch.Stats.SUM,
        period: Duration.minutes(5),
      }),
      threshold: 0,
      datapoints: [1, 1],
      notifyOnClear: false,
      description:
        'A new dead letter: the notifier, Lambda or EventBridge gave up on an event, so a page may be missing. ' +
        'npm run dlq -- list shows why; fix that, then npm run dlq -- replay --all (each channel pages once).',
    });
    const lost: Record<string, cloudwatch.IMetric> = {
      lambda: lambdaMetric('DestinationDeliveryFailures', cloudwatch.Stats.SUM),
    };
    for (const [kind, rule] of notifier.rules) {
      lost[`rule${kind.replace(/[^a-z]/g, '')}`] = new cloudwatch.Metric({
        namespace: 'AWS/Events',
        metricName: 'InvocationsFailedToBeSentToDlq',
        dimensionsMap: { RuleName: rule.ruleName },
        statistic: cloudwatch.Stats.SUM,
        period: Duration.minutes(1),
      });
    }
    alarm('dead-letters-lost', {
      metric: new cloudwatch.MathExpression({
        expression: `SUM([${Object.keys(lost).join(', ')}])`,
        usingMetrics: lost,
        period: Duration.minutes(1),
        label: 'events that could not be dead-lettered',
      }),
      threshold: 0,
      datapoints: [1, 1],
      notifyOnClear: false,
      description:
        'An event the notifier could not handle could not be dead-lettered either (Lambda destination or EventBridge DLQ delivery failed): it is lost. ' +
        'Check the DLQ’s policy and the notifier role’s sqs:SendMessage, then find the event in the notifier log or the source alarm’s history.',
    });
    this.alarms = alarms;
  }
}
