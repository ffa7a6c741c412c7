/**
 * One rule's AWS footprint: its X-Ray group (with Insights settings) and, when the rule asks
 * for one, a CloudWatch alarm on the group's trace count. No alarm actions: state changes
 * reach the notifier through EventBridge, which carries the whole alarm state.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as xray from 'aws-cdk-lib/aws-xray';
import { Construct } from 'constructs';
import { GROUP_METRIC, namesFor } from '../../rules/names';
import type { Rule } from '../../rules/schema';

export interface RuleGroupProps {
  rule: Rule;
  namePrefix: string;
}

const COMPARISON: Record<NonNullable<Rule['alarm']>['comparison'], cloudwatch.ComparisonOperator> = {
  GreaterThanThreshold: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
  GreaterThanOrEqualToThreshold: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  LessThanThreshold: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
  LessThanOrEqualToThreshold: cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
};

const MISSING_DATA: Record<NonNullable<Rule['alarm']>['treatMissingData'], cloudwatch.TreatMissingData> = {
  breaching: cloudwatch.TreatMissingData.BREACHING,
  notBreaching: cloudwatch.TreatMissingData.NOT_BREACHING,
  ignore: cloudwatch.TreatMissingData.IGNORE,
  missing: cloudwatch.TreatMissingData.MISSING,
};

export class RuleGroup extends Construct {
  readonly group: xray.CfnGroup;
  readonly alarm: cloudwatch.Alarm | undefined;

  constructor(scope: Construct, id: string, { rule, namePrefix }: RuleGroupProps) {
    super(scope, id);
    const names = namesFor(namePrefix, rule);

    this.group = new xray.CfnGroup(this, 'Group', {
      groupName: names.groupName,
      filterExpression: rule.group.filterExpression,
      insightsConfiguration: {
        insightsEnabled: rule.group.insights,
        notificationsEnabled: rule.group.insights && rule.group.insightNotifications,
      },
      tags: [
        { key: 'uia:rule', value: rule.id },
        { key: 'uia:owner', value: rule.owner },
      ],
    });

    if (rule.alarm && names.alarmName) {
      // Namespace `AWS/X-Ray`, metric `ApproximateTraceCount`, dimension `GroupName`: the X-Ray
      // groups page says only that counts are "published to Amazon CloudWatch every minute";
      // the names come from AWS's own samples (CDK, Terraform, dashboards) collected in
      // docs/aws-events.md §3. "X-Ray/Group Metrics" is merely the console label.
      const metric = new cloudwatch.Metric({
        namespace: GROUP_METRIC.namespace,
        metricName: GROUP_METRIC.metricName,
        dimensionsMap: { [GROUP_METRIC.dimension]: names.groupName },
        statistic: rule.alarm.statistic,
        period: Duration.seconds(rule.alarm.periodSeconds),
      });
      this.alarm = new cloudwatch.Alarm(this, 'Alarm', {
        alarmName: names.alarmName,
        alarmDescription: `${rule.title} (rule ${rule.id}, owner ${rule.owner}). Runbook: ${rule.runbookUrl}`,
        metric,
        threshold: rule.alarm.threshold,
        evaluationPeriods: rule.alarm.evaluationPeriods,
        datapointsToAlarm: rule.alarm.datapointsToAlarm,
        comparisonOperator: COMPARISON[rule.alarm.comparison],
        treatMissingData: MISSING_DATA[rule.alarm.treatMissingData],
        actionsEnabled: false,
      });
      // Traces only reach a group created before them; the alarm must not be first.
      this.alarm.node.addDependency(this.group);
    }
  }
}
