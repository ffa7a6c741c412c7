/**
 * CloudWatch alarm evaluation, offline and pure: what a rule's alarm does with its metric's
 * datapoints. Specification and sources: docs/cloudwatch-alarm-evaluation.md.
 */
export {
  EXTRA_RANGE_PERIODS,
  breaches,
  cloudWatchTimestamp,
  decideAlarm,
  evaluateAlarm,
  evaluationRangePeriods,
  initialAlarmState,
  type AlarmDecision,
  type AlarmState,
  type AlarmStateValue,
  type DecisionBasis,
  type JudgedDatapoint,
  type PeriodDatapoint,
} from './evaluate';
