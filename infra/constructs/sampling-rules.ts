/** The rule set's X-Ray sampling rules as `AWS::XRay::SamplingRule` resources. */
import * as xray from 'aws-cdk-lib/aws-xray';
import { Construct } from 'constructs';
import type { SamplingRule } from '../../rules/schema';

export class SamplingRules extends Construct {
  constructor(scope: Construct, id: string, props: { rules: readonly SamplingRule[] }) {
    super(scope, id);
    for (const rule of props.rules) {
      new xray.CfnSamplingRule(this, rule.name, {
        samplingRule: {
          ruleName: rule.name,
          priority: rule.priority,
          reservoirSize: rule.reservoirSize,
          fixedRate: rule.fixedRate,
          serviceName: rule.serviceName,
          serviceType: rule.serviceType,
          host: rule.host,
          httpMethod: rule.httpMethod,
          urlPath: rule.urlPath,
          resourceArn: rule.resourceArn,
          version: 1,
        },
      });
    }
  }
}
