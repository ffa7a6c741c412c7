/**
 * The package as another team gets it: `npm pack` this repository, install the tarball into a
 * fresh CDK app outside it (test/consumer/app/: one rule, its fixtures, one Lambda on the
 * helper), offline (lockfile.ts), then synthesize the app under both cdk-nag packs, run the
 * team's `uia rules check` and `uia rules test`, and run its handler.
 *
 * Nothing may come from this repository but the tarball: the app lives in the system's temp
 * directory (no `node_modules` of ours above it), children get a minimal environment, and the
 * cloud assembly must not name a path of this repository.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerLock } from './lockfile';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
  bin: Record<string, string>;
  engines: Record<string, string>;
};

/** Only what a shell on a fresh machine has: this Node first on PATH, HOME, npm's cache. */
function childEnv(cache: string): NodeJS.ProcessEnv {
  return {
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? tmpdir(),
    npm_config_cache: cache,
    npm_config_update_notifier: 'false',
  };
}

interface Step {
  code: number;
  stdout: string;
  stderr: string;
}

let app: string;
let env: NodeJS.ProcessEnv;
const seconds: Record<string, number> = {};

async function step(name: string, file: string, args: string[]): Promise<Step> {
  const started = Date.now();
  try {
    const { stdout, stderr } = await run(file, args, { cwd: app, env, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  } finally {
    seconds[name] = (Date.now() - started) / 1000;
  }
}

beforeAll(async () => {
  const { stdout: cache } = await run('npm', ['config', 'get', 'cache'], { cwd: repo });
  env = childEnv(cache.trim());
  app = mkdtempSync(join(tmpdir(), 'uia-consumer-'));
  cpSync(join(repo, 'test/consumer/app'), app, { recursive: true });
  mkdirSync(join(app, 'vendor'));

  const started = Date.now();
  await run('npm', ['pack', '--pack-destination', join(app, 'vendor')], {
    cwd: repo,
    env: { ...process.env, npm_config_update_notifier: 'false' },
    maxBuffer: 64 << 20,
  });
  seconds.pack = (Date.now() - started) / 1000;
  const tarball = readdirSync(join(app, 'vendor')).find((f) => f.endsWith('.tgz'))!;
  const spec = `file:vendor/${tarball}`;
  const bytes = readFileSync(join(app, 'vendor', tarball));

  const dev = manifest.devDependencies;
  const dependencies = {
    [manifest.name]: spec,
    'aws-cdk-lib': dev['aws-cdk-lib']!,
    constructs: dev['constructs']!,
    'cdk-nag': dev['cdk-nag']!,
    // The app runs its TypeScript with tsx; NodejsFunction bundles the handler with esbuild.
    tsx: manifest.dependencies['tsx']!,
    esbuild: dev['esbuild'] ?? manifest.dependencies['esbuild']!,
  };
  const lock = consumerLock({
    repoLock: join(repo, 'package-lock.json'),
    dependencies,
    tarball: {
      name: manifest.name,
      spec,
      integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
      manifest: {
        version: manifest.version,
        dependencies: manifest.dependencies,
        peerDependencies: manifest.peerDependencies,
        peerDependenciesMeta: manifest.peerDependenciesMeta,
        bin: manifest.bin,
        engines: manifest.engines,
      },
    },
  });
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'consumer-app', version: '0.0.0', private: true, type: 'module', dependencies }),
  );
  writeFileSync(join(app, 'package-lock.json'), JSON.stringify(lock));
  const install = await step('install', 'npm', [
    'ci',
    '--offline',
    '--ignore-scripts',
    '--no-audit',
    '--no-fund',
  ]);
  if (install.code !== 0) throw new Error(`npm ci in the consumer app failed:\n${install.stderr}`);
}, 600_000);

afterAll(() => {
  console.log(`consumer test, seconds per step: ${JSON.stringify(seconds)}`);
  if (app) rmSync(app, { recursive: true, force: true });
});

describe('a team’s own app on the packed package', () => {
  it('synthesizes its alerting from its own rule, cdk-nag clean, nothing from this repository', async () => {
    const synth = await step('synth', process.execPath, ['--import', 'tsx', 'app.ts']);
    expect(synth.stderr).not.toContain('ERROR');
    expect(synth.code).toBe(0);

    const template = readFileSync(join(app, 'cdk.out', 'OrdersAlerting.template.json'), 'utf8');
    const resources = Object.values(
      (
        JSON.parse(template) as {
          Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
        }
      ).Resources,
    );
    const groups = resources
      .filter((r) => r.Type === 'AWS::XRay::Group')
      .map((r) => r.Properties?.['GroupName']);
    expect(groups).toEqual(['orders--checkout-faults']);
    expect(
      resources.filter((r) => r.Type === 'AWS::CloudWatch::Alarm').map((r) => r.Properties?.['AlarmName']),
    ).toContain('orders--checkout-faults--trace-count');
    expect(resources.filter((r) => r.Type === 'AWS::Lambda::Function')).toHaveLength(2);

    // The notifier reads the team's rules from the rule-set layer, not from its code.
    const assembly = join(app, 'cdk.out');
    const layer = readdirSync(assembly)
      .filter((d) => d.startsWith('asset.'))
      .map((d) => join(assembly, d, 'uia', 'rule-set.json'))
      .find((f) => {
        try {
          readFileSync(f);
          return true;
        } catch {
          return false;
        }
      });
    expect(layer).toBeDefined();
    const deployed = JSON.parse(readFileSync(layer!, 'utf8')) as { ruleSet: { rules: { id: string }[] } };
    expect(deployed.ruleSet.rules.map((r) => r.id)).toEqual(['checkout-faults']);

    const { stdout: named } = await run('grep', ['-rl', repo.replace(/\/$/, ''), assembly]).catch(() => ({
      stdout: '',
    }));
    expect(named).toBe('');
  }, 300_000);

  it('checks and tests the team’s rules with its own fixtures through the package’s command', async () => {
    const check = await step('rules check', 'npx', ['--no-install', 'uia', 'rules', 'check']);
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('✓ 1 rules valid (name prefix "orders")');
    expect(check.stdout).toContain('orders--checkout-faults');

    const test = await step('rules test', 'npx', ['--no-install', 'uia', 'rules', 'test']);
    expect(test.code).toBe(0);
    expect(test.stdout.trim()).toBe('rule tests ok: 3 passed, 0 failed, 1 suite(s), 3 trace(s)');

    writeFileSync(
      join(app, 'alerting', 'tests', 'wrong.yaml'),
      'traces:\n  - name: browse\n    trace: { fault: true, annotations: { username: bob, operation: browse } }\n    match: [checkout-faults]\n',
    );
    const failing = await step('rules test (failing)', 'npx', ['--no-install', 'uia', 'rules', 'test']);
    rmSync(join(app, 'alerting', 'tests', 'wrong.yaml'));
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain('wrong.yaml');
  }, 120_000);

  it('runs the team’s handler on the helper, and refuses to start one without a verifier', async () => {
    const ok = await step('handler', process.execPath, ['--import', 'tsx', 'invoke.ts', 'orders']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout.trim())).toEqual({ statusCode: 200, body: '{"username":"anonymous"}' });

    const refused = await step('handler (unconfigured)', process.execPath, [
      '--import',
      'tsx',
      'invoke.ts',
      'unconfigured',
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('no token verifier: pass `verifier`');
  }, 120_000);
});
