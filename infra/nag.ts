/**
 * cdk-nag at synth: the packs every app runs, and the one way this project acknowledges a finding.
 *
 * Packs: AwsSolutions (security best practice) and Serverless (Lambda, API Gateway, EventBridge
 * and SQS practice from awslabs/serverless-rules). Each runs as a CDK policy-validation plugin;
 * an unacknowledged finding fails synth.
 *
 * Why acknowledgements go through {@link acknowledgeNag}: CDK's `Validations.acknowledge()`
 * stores an id without a `<plugin>::` namespace as an *annotation* id, and cdk-nag then drops the
 * finding before CDK sees it, so the acknowledgement never shows in `validation-report.json`.
 * With the namespace (`AwsSolutions::AwsSolutions-COG2`) cdk-nag reports the finding and CDK
 * files it under `suppressedViolations` with its reason and where it was acknowledged: the report
 * then lists every accepted risk, which is what an auditor reads.
 */
import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';

// Acknowledging needs no cdk-nag: constructs import it from nag-acknowledge.ts, so a consumer's
// app loads cdk-nag only if it runs the packs itself.
export { acknowledgeNag, type NagPackName } from './nag-acknowledge';

/** The packs `infra/app.ts` runs, in a function so tests run exactly the same ones. */
export function addNagPacks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
}
