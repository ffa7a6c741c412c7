import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { UserImpactAlerting } from 'user-impact-alerting/cdk';
import rules from './alerting/rules';

const app = new App({ outdir: 'cdk.out' });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
const env = { account: '123456789012', region: 'eu-west-1' };

const alerting = new Stack(app, 'OrdersAlerting', { env });
new UserImpactAlerting(alerting, 'Alerting', { rules, opsEmails: ['orders-ops@example.com'] });

const service = new Stack(app, 'Orders', { env });
const orders = new NodejsFunction(service, 'Orders', {
  entry: 'functions/orders.ts',
  runtime: lambda.Runtime.NODEJS_24_X,
  tracing: lambda.Tracing.ACTIVE,
  memorySize: 512,
  timeout: Duration.seconds(10),
  bundling: { format: OutputFormat.ESM, minify: true },
});
// The team's own function: its findings are the team's to fix or accept.
for (const [id, reason] of [
  [
    'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    'The basic execution role is enough for this example function.',
  ],
  ['AwsSolutions::AwsSolutions-IAM5[Resource::*]', 'X-Ray PutTraceSegments takes no resource.'],
  ['Serverless::Serverless-LambdaDLQ', 'Invoked synchronously by API Gateway: no async failures to keep.'],
]) {
  Validations.of(orders).acknowledge({ id, reason });
}
app.synth();
