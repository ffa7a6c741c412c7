/**
 * Output keys of the alerting stack that tools read back (`npm run dlq` finds the notifier's
 * queue and function through them). Plain constants, no CDK import, so a CLI can load them.
 */
export const ALERTING_STACK_NAME = 'UiaAlerting';

export const OUTPUT_KEYS = {
  deadLetterQueueUrl: 'NotifierDeadLetterQueueUrl',
  notifierFunctionName: 'NotifierFunctionName',
  opsTopicArn: 'OpsTopicArn',
} as const;
