/**
 * Tests and the local pipeline run on the Node major the functions deploy on. The `node`
 * devDependency (an npm package that ships the Node binary) sits first on every npm script's
 * PATH, so `npm test` and `npm start` use it on a fresh machine whatever Node npm itself runs on.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LAMBDA_RUNTIME } from '../infra/constructs/bundling';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};

const runtimeMajor = Number(/^nodejs(\d+)\.x$/.exec(LAMBDA_RUNTIME.name)?.[1]);

describe('Node runtime', () => {
  it('the Lambda runtime names a Node major', () => {
    expect(runtimeMajor).toBeGreaterThanOrEqual(22);
  });

  it('this test run is on the Lambda runtime major', () => {
    expect(Number(process.versions.node.split('.')[0])).toBe(runtimeMajor);
  });

  it('the pinned node package is the same major', () => {
    expect(Number(pkg.devDependencies.node?.split('.')[0])).toBe(runtimeMajor);
  });

  it('engines asks for Node 22 or newer (the AWS SDK requires it from January 2027)', () => {
    expect(pkg.engines.node).toBe('>=22');
  });
});
