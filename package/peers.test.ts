import { describe, expect, it } from 'vitest';
import { assertCdkPeers, cdkPeerProblems } from './peers';

const versions =
  (installed: Record<string, string>) =>
  (name: string): string | undefined =>
    installed[name];

describe('CDK peer check', () => {
  it('accepts the tested versions and newer ones of the same major', () => {
    expect(cdkPeerProblems(versions({ 'aws-cdk-lib': '2.276.0', constructs: '10.8.1' }))).toEqual([]);
    expect(cdkPeerProblems(versions({ 'aws-cdk-lib': '2.300.1', constructs: '10.0.0' }))).toEqual([]);
  });

  it('names each missing peer with the command that installs it', () => {
    expect(cdkPeerProblems(versions({ constructs: '10.8.1' }))).toEqual([
      'aws-cdk-lib is not installed: npm install aws-cdk-lib@"^2.276.0"',
    ]);
  });

  it('refuses an older minor or another major, listing every problem at once', () => {
    expect(() => assertCdkPeers(versions({ 'aws-cdk-lib': '2.100.0', constructs: '3.4.0' }))).toThrow(
      [
        'user-impact-alerting/cdk cannot load:',
        '  - aws-cdk-lib 2.100.0 is installed, user-impact-alerting/cdk needs ^2.276.0: npm install aws-cdk-lib@"^2.276.0"',
        '  - constructs 3.4.0 is installed, user-impact-alerting/cdk needs ^10.0.0: npm install constructs@"^10.0.0"',
      ].join('\n'),
    );
  });

  it('finds the versions installed here', () => {
    expect(cdkPeerProblems()).toEqual([]);
  });
});
