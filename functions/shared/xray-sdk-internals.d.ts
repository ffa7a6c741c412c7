/** Types for the X-Ray SDK file functions/shared/tracing-xray.ts imports by path and the SDK ships untyped. */
declare module 'aws-xray-sdk-core/dist/lib/env/aws_lambda.js' {
  /** Lambda mode: facade segment per invocation, streaming threshold 0, no centralized sampling. */
  export function init(): void;
}
