/**
 * The code of the functions the alerting construct deploys (notifier, digest). The code is the
 * same for every deployment; the rule set travels beside it (rule-set-layer.ts).
 *
 * | where the construct runs            | code                                                          |
 * |-------------------------------------|---------------------------------------------------------------|
 * | from the published package (`dist/`) | the bundles built when the package was packed (`dist/lambda/<name>/index.mjs`): no esbuild, no sources, nothing built in the consumer's app |
 * | from this repository's sources      | built at synth with esbuild and bundling.ts's options, through CDK's local bundling (so `aws:cdk:bundling-stacks` skips it as it skips NodejsFunction) |
 *
 * Both are built from the same entries with the same options (package/build.ts uses
 * {@link FUNCTION_ENTRIES} and `esbuildOptions`), so the package ships the bundle the tests run.
 * Rejected: NodejsFunction from the package's TypeScript sources, which needs esbuild and the
 * sources in every consumer's app and rebuilds the same code in each.
 */
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Esbuild from 'esbuild';
import { esbuildOptions } from './bundling';

export type FunctionName = 'notifier' | 'digest' | 'digest-html';

/** Entry file of each function, relative to the repository root. */
export const FUNCTION_ENTRIES: Readonly<Record<FunctionName, string>> = {
  notifier: 'functions/notifier/handler.ts',
  digest: 'functions/digest/handler.ts',
  'digest-html': 'functions/digest/handler-html.ts',
};

/** The handler setting of every function: `index.mjs`, export `handler`. */
export const FUNCTION_HANDLER = 'index.handler';

/** Where the packed bundles sit, beside the compiled construct (`dist/lambda/<name>/`). */
export function prebuiltDir(name: FunctionName): string {
  return fileURLToPath(new URL(`./lambda/${name}/`, import.meta.url));
}

const repoRoot = () => fileURLToPath(new URL('../../', import.meta.url));

export function functionCode(name: FunctionName): lambda.Code {
  const prebuilt = prebuiltDir(name);
  if (existsSync(join(prebuilt, 'index.mjs'))) return lambda.Code.fromAsset(prebuilt);
  const entry = join(repoRoot(), FUNCTION_ENTRIES[name]);
  return lambda.Code.fromAsset(dirname(entry), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never used: local bundling always succeeds or throws (no Docker here).
      image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs24.x'),
      local: {
        tryBundle(outputDir) {
          // Loaded only here: the published package runs the branch above and has no esbuild.
          const esbuild = createRequire(import.meta.url)('esbuild') as typeof Esbuild;
          esbuild.buildSync({ ...esbuildOptions(entry), outfile: join(outputDir, 'index.mjs') });
          return true;
        },
      },
    },
  });
}
