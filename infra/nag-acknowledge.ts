/**
 * The one way this project acknowledges a cdk-nag finding (why the `<pack>::` namespace matters:
 * nag.ts). Nothing here imports cdk-nag, so the public construct does not make it a dependency.
 */
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export type NagPackName = 'AwsSolutions' | 'Serverless';

/**
 * Acknowledges one finding of one pack on `scope` (and everything below it). `rule` is the
 * pack's rule name with the finding, as synth prints it without the pack prefix: `COG2`,
 * `IAM5[Resource::*]`, `LambdaDLQ`.
 */
export function acknowledgeNag(scope: IConstruct, pack: NagPackName, rule: string, reason: string): void {
  if (reason.trim().length < 20) throw new Error(`acknowledgement of ${pack}-${rule} needs a real reason`);
  Validations.of(scope).acknowledge({ id: `${pack}::${pack}-${rule}`, reason });
}
