import { afterEach, describe, expect, it, vi } from 'vitest';
import { repoRuleSource } from '../repo-rules';
import { depsFor, run as runWith } from './explain';

const run = (argv: string[]) => runWith(argv, depsFor(repoRuleSource));

function capture() {
  const out = vi.spyOn(console, 'log').mockImplementation(() => {});
  const err = vi.spyOn(console, 'error').mockImplementation(() => {});
  const text = (spy: typeof out) => spy.mock.calls.map((c) => String(c[0])).join('\n');
  return { out: () => text(out), err: () => text(err) };
}

describe('rules explain', () => {
  afterEach(() => vi.restoreAllMocks());

  it('explains one fixture trace clause by clause, next to what the fixture expects', async () => {
    const io = capture();
    expect(await run(['registered-users', 'users.yaml#annotations-lost-on-exception'])).toBe(0);
    expect(io.out()).toBe(
      [
        'rule registered-users: Annotation.username CONTAINS "" AND Annotation.username != "anonymous"',
        '',
        'users.yaml#annotations-lost-on-exception: no match',
        "  (the seed's bug: the handler threw before closing its annotations subsegment, so the trace carries" +
          ' no username at all and matches no user group, though a user was hurt)',
        '  fixture expects no match: ok',
        '  ✗ AND: false (2 of 2 clauses false)',
        '    ✗ Annotation.username CONTAINS "": false (annotation "username" is absent)',
        '    ✗ Annotation.username != "anonymous": false (annotation "username" is absent)',
      ].join('\n'),
    );
  });

  it('explains every trace of a file when no trace is named', async () => {
    const io = capture();
    expect(await run(['slow-registered-users', 'latency.yaml'])).toBe(0);
    expect(io.out()).toContain('latency.yaml#boundary-exactly-3s: no match');
    expect(io.out()).toContain('latency.yaml#just-over-3s: match');
    expect(io.out()).toContain('✗ responsetime > 3: false (responsetime is 3)');
  });

  it('explains an ad-hoc expression with --expr and flags what cannot be decided offline', async () => {
    const io = capture();
    expect(await run(['--expr', 'fault OR group.name = "x"', 'faults.yaml#registered-fault'])).toBe(0);
    expect(io.out()).toContain('expression: fault OR group.name = "x"');
    expect(io.out()).toContain('! 1:10 group.name = "x": never decided offline');
    expect(io.out()).toContain('faults.yaml#registered-fault: match');
  });

  it('exits 2 for an unknown rule id, suggesting the closest one', async () => {
    const io = capture();
    expect(await run(['registred-users', 'users.yaml'])).toBe(2);
    expect(io.err()).toContain('unknown rule id "registred-users"; did you mean "registered-users"?');
    expect(io.err()).toContain('rules: registered-users, anonymous-users');
  });

  it('exits 2 for an unknown trace, a missing file, a bad expression or bad usage', async () => {
    const io = capture();
    expect(await run(['registered-users', 'users.yaml#numeric-usrname'])).toBe(2);
    expect(io.err()).toContain('did you mean "numeric-username"?');
    expect(await run(['registered-users', 'nope.yaml'])).toBe(2);
    expect(io.err()).toContain('fixture file not found: nope.yaml');
    expect(await run(['--expr', 'fault &&', 'users.yaml'])).toBe(2);
    expect(io.err()).toContain('did you mean: AND');
    expect(await run(['registered-users'])).toBe(2);
    expect(io.err()).toContain('usage: rules explain');
  });
});
