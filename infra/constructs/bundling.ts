/**
 * How every function is bundled: ESM, minified, for the Lambda runtime's Node, built locally
 * with esbuild (no Docker). The pinned AWS SDK ships inside the bundle by default, so the code
 * that runs is the code the tests ran, and it loads faster than the runtime's copy (see
 * bench/cart.bench.ts for the measured trade-off against bundle size).
 *
 * Left out of every bundle, because no function runs it (bench/cart.bench.ts measures the
 * difference; test/shop/bundle.test.ts checks each is absent and the bundle still serves):
 *
 * | left out                                   | how                                   | why it never runs                          |
 * |--------------------------------------------|---------------------------------------|--------------------------------------------|
 * | the SDK's credential chain beyond `fromEnv` | alias `@aws-sdk/credential-provider-node` → functions/shared/aws/credentials-from-env.ts | Lambda gives the role's credentials in the environment |
 * | the X-Ray SDK's v2 patcher, `semver`, HTTP/promise patchers, EC2/ECS plugins | functions/shared/tracing-xray.ts imports only the SDK files it runs | no AWS SDK v2, no patched HTTP here |
 * | the tracing backend the deployment does not use | marked external by file name (tracing-otel, tracing-xray) | `TRACING_BACKEND` is set from the same choice |
 * | the X-Ray SDK's Lambda init and its sampling middleware (rule/target pollers, service connector, `node:http`) | functions/shared/xray/lambda-facade.ts builds Lambda mode from the SDK's Segment | Lambda samples; the SDK only loads them to switch them off |
 *
 * Cold start (whole-process CPU of `node` importing a cart bundle against bare `node -e 0`; the
 * target is 2.0×, missed: README, "Tracing and shipping the cart"). bench/cart.bench.ts splits
 * it: the Node built-ins the bundle imports cost about 0.4–0.6× bare on their own (`node:https`
 * most, which the SDK's HTTP handler imports at its top), compiling the ~350 KB of source without
 * running it about 0.5×, and running the module code the rest (the SDK clients' modules, checksum
 * and endpoint set-up, zod schemas, the tracer). What was measured and not taken:
 * - `mainFields: ['main', 'module']` (the SDK's CommonJS builds): list-cart 583 KB instead of
 *   346 KB, and 4.4× bare instead of 2.8× (CPU, 9 rounds, same run).
 * - Lazy construction (the DynamoDB client, the tracer, the verifier on the first request): moves
 *   the same work from init into the first request, which a cold start pays for all the same
 *   (a lower load ratio, no faster first response).
 * - V8's compile cache (`module.enableCompileCache`): not available across Lambda cold starts
 *   (each starts from a fresh file system but for the read-only code), so it cannot help there.
 *
 * Rejected: an esbuild plugin for the X-Ray files (NodejsFunction runs the esbuild CLI, which
 * takes aliases and externals but no plugins); the runtime's own SDK (`bundleAwsSdk: false`)
 * keeps the chain but loads slower (measured in the bench).
 */
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';
import type { TracingBackend } from '../../functions/shared/types/tracing';
import { fileURLToPath } from 'node:url';

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
  /** The tracing backend the function runs; the other one is left out. @default 'xray' */
  tracing?: TracingBackend;
}

/** Package → replacement module, for every bundle that ships the SDK. */
export function bundleAliases({ bundleAwsSdk = true }: BundleChoice = {}): Record<string, string> {
  if (!bundleAwsSdk) return {};
  return {
    '@aws-sdk/credential-provider-node': fileURLToPath(
      new URL('../../functions/shared/aws/credentials-from-env.ts', import.meta.url),
    ),
  };
}

/** Import paths esbuild leaves unresolved (patterns, as esbuild's `external` takes them). */
export function bundleExternals({ bundleAwsSdk = true, tracing = 'xray' }: BundleChoice = {}): string[] {
  const unusedBackend = tracing === 'otel' ? '*/tracing-xray' : '*/tracing-otel';
  return [...(bundleAwsSdk ? [] : ['@aws-sdk/*']), unusedBackend];
}

export function bundlingOptions(choice: BundleChoice = {}): BundlingOptions {
  const aliases = Object.entries(bundleAliases(choice)).map(([from, to]) => `${from}=${to}`);
  return {
    format: OutputFormat.ESM,
    minify: ESM_BUNDLE.minify,
    sourceMap: ESM_BUNDLE.sourceMap,
    target: ESM_BUNDLE.target,
    mainFields: [...ESM_BUNDLE.mainFields],
    banner: ESM_BUNDLE.banner,
    externalModules: bundleExternals(choice),
    ...(aliases.length > 0 && { esbuildArgs: { '--alias': aliases } }),
    forceDockerBundling: false,
  };
}

/**
 * The esbuild options NodejsFunction derives from {@link bundlingOptions}, to build the same
 * bundle outside CDK (the bench, the bundle tests, `npm start -- --bundled`).
 */
export function esbuildOptions(entryPath: string, choice: BundleChoice = {}): BuildOptions {
  return {
    entryPoints: [entryPath],
    bundle: true,
    platform: 'node',
    format: ESM_BUNDLE.format,
    target: ESM_BUNDLE.target,
    minify: ESM_BUNDLE.minify,
    sourcemap: ESM_BUNDLE.sourceMap,
    mainFields: [...ESM_BUNDLE.mainFields],
    banner: { js: ESM_BUNDLE.banner },
    external: bundleExternals(choice),
    alias: bundleAliases(choice),
    logLevel: 'warning',
  };
}
