/**
 * The rules CLI on another team's rule file: found by flag, environment or default, loaded with
 * its own relative imports, validated, and its own fixtures run; every problem with the file
 * itself is exit code 2 with what to do.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { rulesMain, splitGlobalOptions, type RulesCliEntry } from './main';

const ENTRY: RulesCliEntry = {
  program: 'uia rules',
  defaultRuleFiles: ['alerting/rules.ts'],
  registerTypeScript: false,
};

const RULE = `export const checkoutFaults = {
  id: 'checkout-faults',
  title: 'Checkout faults for signed-in customers',
  description: 'Signed-in customers hit server faults at checkout.',
  severity: 'page',
  group: { filterExpression: 'annotation.username CONTAINS "" AND annotation.username != "anonymous" AND fault' },
  alarm: { threshold: 0 },
  routes: { slack: 'orders-oncall', email: 'immediate' },
  runbookUrl: 'https://runbooks.example.com/orders/checkout-faults',
  owner: 'orders-team',
} as const;
`;

const RULES = `import { checkoutFaults } from './checkout-faults';
export default {
  namePrefix: 'orders',
  rules: [checkoutFaults],
  routing: { slackChannels: [{ name: 'orders-oncall' }] },
  digest: { recipients: ['lead@example.com'] },
};
`;

const FIXTURE = `traces:
  - name: signed-in-fault
    trace: { fault: true, annotations: { username: alice } }
    match: [checkout-faults]
  - name: anonymous-fault
    trace: { fault: true, annotations: { username: anonymous } }
    noMatch: [checkout-faults]
`;

/** A project of another team: alerting/rules.ts importing its rule, alerting/tests/*.yaml. */
function project(files: Record<string, string> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'uia-consumer-rules-'));
  const all = {
    'alerting/checkout-faults.ts': RULE,
    'alerting/rules.ts': RULES,
    'alerting/tests/checkout.yaml': FIXTURE,
    ...files,
  };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

function capture() {
  const out = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  const text = (spy: typeof out) => spy.mock.calls.map((c) => String(c[0])).join('\n');
  return { out: () => text(out), err: () => text(err) };
}

describe('rules CLI on a team’s own rule file', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it('checks the rules of the file named by --rules, not this repository’s', async () => {
    const root = project();
    const io = capture();
    expect(await rulesMain(['check', '--rules', join(root, 'alerting/rules.ts')], ENTRY)).toBe(0);
    expect(io.out()).toContain('✓ 1 rules valid (name prefix "orders")');
    expect(io.out()).toContain('checkout-faults');
    expect(io.out()).not.toContain('registered-user-faults');
  });

  it('finds the default rule file in the working directory and runs the fixtures beside it', async () => {
    const root = project();
    vi.spyOn(process, 'cwd').mockReturnValue(root);
    const io = capture();
    expect(await rulesMain(['test'], ENTRY)).toBe(0);
    expect(io.out()).toMatch(/^rule tests ok: 2 passed, 0 failed, 1 suite\(s\), 2 trace\(s\)$/);
  });

  it('takes the rule file from UIA_RULES and fixtures from --tests; a failing fixture is exit 1', async () => {
    const root = project({
      'other-tests/wrong.yaml':
        'traces:\n  - name: x\n    trace: { fault: true }\n    match: [checkout-faults]\n',
    });
    vi.stubEnv('UIA_RULES', join(root, 'alerting/rules.ts'));
    const io = capture();
    expect(await rulesMain(['--tests', join(root, 'other-tests'), 'test'], ENTRY)).toBe(1);
    expect(io.err()).toContain('wrong.yaml');
    expect(io.err()).toContain('1 failed');
  });

  it('lists every problem of an invalid rule set for any command, exit 1', async () => {
    const root = project({
      'alerting/rules.ts': RULES.replace("'orders-oncall' }]", "'elsewhere' }]"),
    });
    const io = capture();
    expect(await rulesMain(['--rules', join(root, 'alerting/rules.ts'), 'test'], ENTRY)).toBe(1);
    expect(io.err()).toContain('problem(s) in the rule set');
    expect(io.err()).toContain('orders-oncall');
  });

  it('says where it looked when there is no rule file, exit 2', async () => {
    const root = mkdtempSync(join(tmpdir(), 'uia-empty-'));
    vi.spyOn(process, 'cwd').mockReturnValue(root);
    const io = capture();
    expect(await rulesMain(['check'], ENTRY)).toBe(2);
    expect(io.err()).toContain(`no rule file: looked for ${join(root, 'alerting/rules.ts')}`);
    expect(io.err()).toContain('--rules <file>');
  });

  it('names the exports of a module without a rule set, exit 2', async () => {
    const root = project({ 'alerting/rules.ts': 'export const rules = 1;\n' });
    const io = capture();
    expect(await rulesMain(['check', '--rules', join(root, 'alerting/rules.ts')], ENTRY)).toBe(2);
    expect(io.err()).toContain('exports no rule set');
    expect(io.err()).toContain('exports found: rules');
  });

  it('keeps the command’s own arguments in order around --rules and --tests', () => {
    expect(splitGlobalOptions(['explain', '--rules=r.ts', 'a-rule', '--tests', 't', 'f.yaml#x'])).toEqual({
      rules: 'r.ts',
      tests: 't',
      rest: ['explain', 'a-rule', 'f.yaml#x'],
    });
  });
});
