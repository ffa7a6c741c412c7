/** What each deployment's bundles leave out (test/shop/bundle.test.ts checks the built bundles). */
import { describe, expect, it } from 'vitest';
import { bundleAliases, bundlingOptions } from './bundling';

describe('bundlingOptions', () => {
  it('leaves out the tracing backend the deployment does not run', () => {
    expect(bundlingOptions().externalModules).toEqual(['*/tracing-otel']);
    expect(bundlingOptions({ tracing: 'otel' }).externalModules).toEqual(['*/tracing-xray']);
    expect(bundlingOptions({ bundleAwsSdk: false }).externalModules).toEqual([
      '@aws-sdk/*',
      '*/tracing-otel',
    ]);
  });

  it('replaces the SDK credential chain with the environment provider, only when the SDK is bundled', () => {
    const [alias] = bundlingOptions().esbuildArgs?.['--alias'] as string[];
    expect(alias).toMatch(
      /^@aws-sdk\/credential-provider-node=\/.*functions\/shared\/aws\/credentials-from-env\.ts$/,
    );
    expect(bundleAliases({ bundleAwsSdk: false })).toEqual({});
    expect(bundlingOptions({ bundleAwsSdk: false }).esbuildArgs).toBeUndefined();
  });
});
