/**
 * The CDK entry's peer dependencies, checked before the construct's code loads (the published
 * `cdk` entry runs {@link assertCdkPeers} and then imports the construct), so a missing or
 * incompatible aws-cdk-lib or constructs is one message that says what to install, instead of a
 * module-resolution error or a type error deep inside synth.
 *
 * They are optional peers in package.json: a team that only uses the Lambda helper or the rules
 * CLI does not need CDK in its dependencies.
 */
import { createRequire } from 'node:module';

/** Package → the versions the construct is built and tested against: same major, at least this. */
export const CDK_PEERS: Readonly<Record<string, string>> = {
  'aws-cdk-lib': '2.276.0',
  constructs: '10.0.0',
};

/** The installed version of a package, or undefined when it is not installed. */
export type VersionOf = (name: string) => string | undefined;

const installed: VersionOf = (name) => {
  try {
    return (createRequire(import.meta.url)(`${name}/package.json`) as { version: string }).version;
  } catch {
    return undefined;
  }
};

/** Every problem with the installed peers, each with what to do; empty when all fit. */
export function cdkPeerProblems(versionOf: VersionOf = installed): string[] {
  return Object.entries(CDK_PEERS).flatMap(([name, minimum]) => {
    const version = versionOf(name);
    const wanted = `^${minimum}`;
    if (version === undefined) return [`${name} is not installed: npm install ${name}@"${wanted}"`];
    return fits(version, minimum)
      ? []
      : [
          `${name} ${version} is installed, user-impact-alerting/cdk needs ${wanted}: npm install ${name}@"${wanted}"`,
        ];
  });
}

export function assertCdkPeers(versionOf: VersionOf = installed): void {
  const problems = cdkPeerProblems(versionOf);
  if (problems.length > 0) {
    throw new Error(`user-impact-alerting/cdk cannot load:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Same major, and not older than `minimum` (a caret range, prerelease tags ignored). */
function fits(version: string, minimum: string): boolean {
  const have = parts(version);
  const need = parts(minimum);
  if (have[0] !== need[0]) return false;
  for (let i = 1; i < 3; i++) {
    if (have[i]! > need[i]!) return true;
    if (have[i]! < need[i]!) return false;
  }
  return true;
}

function parts(version: string): number[] {
  return version
    .split('-')[0]!
    .split('.')
    .map((n) => Number.parseInt(n, 10) || 0);
}
