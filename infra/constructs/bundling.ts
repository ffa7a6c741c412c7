/**
 * How every function is bundled: ESM, minified, for the Lambda runtime's Node, built locally
 * with esbuild (no Docker). The pinned AWS SDK ships inside the bundle by default, so the code
 * that runs is the code the tests ran, and it loads faster than the runtime's copy (see
 * bench/cart.bench.ts for the measured trade-off against bundle size).
 */
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';

/**
 * The one Lambda runtime every function deploys on. `npm test` and `npm start` run on the same
 * Node major (the `node` devDependency puts that binary first on the scripts' PATH), and
 * test/node-runtime.test.ts fails when the two drift apart.
 */
export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_24_X;

export const ESM_BUNDLE = {
  format: 'esm',
  minify: true,
  sourceMap: false,
  target: 'node24',
  mainFields: ['module', 'main'],
  // Some CommonJS dependencies call require(); ESM output has to define it.
  banner:
    "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);",
} as const;

export interface BundleChoice {
  /** Ship the AWS SDK inside the bundle (false: use the runtime's copy). @default true */
  bundleAwsSdk?: boolean;
}

export function bundlingOptions({ bundleAwsSdk = true }: BundleChoice = {}): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    minify: ESM_BUNDLE.minify,
    sourceMap: ESM_BUNDLE.sourceMap,
    target: ESM_BUNDLE.target,
    mainFields: [...ESM_BUNDLE.mainFields],
    banner: ESM_BUNDLE.banner,
    externalModules: bundleAwsSdk ? [] : ['@aws-sdk/*'],
    forceDockerBundling: false,
  };
}
