import { describe, expect, it } from 'vitest';
import { explainFilter, formatExplain } from './explain';
import { traceFromInput, type TraceInput } from './trace';

const trace = (input: TraceInput) => traceFromInput(input, 't');
const REGISTERED = 'Annotation.username CONTAINS "" AND Annotation.username != "anonymous"';

describe('explainFilter', () => {
  it('explains each clause with the value it saw', () => {
    const tree = explainFilter(
      'annotation.username = "anonymous"',
      trace({ annotations: { username: 'alice' } }),
    );
    expect(tree).toEqual({
      kind: 'clause',
      text: 'annotation.username = "anonymous"',
      result: false,
      why: 'value is "alice"',
      children: [],
    });
  });

  it('shows why a trace with lost annotations is in no user group', () => {
    const tree = explainFilter(REGISTERED, trace({ fault: true }));
    expect(tree.result).toBe(false);
    expect(tree.why).toBe('2 of 2 clauses false');
    expect(tree.children.map((c) => [c.text, c.result, c.why])).toEqual([
      ['Annotation.username CONTAINS ""', false, 'annotation "username" is absent'],
      ['Annotation.username != "anonymous"', false, 'annotation "username" is absent'],
    ]);
  });

  it('points out a key that differs only in case', () => {
    const tree = explainFilter(
      'annotation.username = "alice"',
      trace({ annotations: { UserName: 'alice' } }),
    );
    expect(tree.why).toBe(
      'annotation "username" is absent; keys are case-sensitive and the trace has "UserName"',
    );
  });

  it('says when no value has the type the comparison needs', () => {
    const tree = explainFilter(
      'annotation.username CONTAINS ""',
      trace({ annotations: { username: [42, true] } }),
    );
    expect(tree.why).toBe('values are 42, true; no string value to compare (types are not converted)');
  });

  it('reports trace-level values and their absence', () => {
    expect(explainFilter('responsetime > 3', trace({ responseTime: 3 })).why).toBe('responsetime is 3');
    expect(explainFilter('responsetime > 3', trace({})).why).toBe('responsetime has no value');
    expect(explainFilter('fault', trace({ fault: true })).why).toBe('fault is true');
    expect(explainFilter('user = "bob"', trace({ users: ['al', 'bo'] })).why).toBe(
      'user values are "al", "bo"',
    );
  });

  it('explains a service filter per matching service', () => {
    const tree = explainFilter(
      'service() { fault }',
      trace({
        services: [
          { name: 'api', fault: false },
          { name: 'cart', fault: true },
        ],
      }),
    );
    expect(tree.result).toBe(true);
    expect(tree.why).toBe('1 of 2 matching service(s) satisfy the filter');
    expect(tree.children.map((c) => [c.text, c.result, c.children[0]?.why])).toEqual([
      ['service "api"', false, 'fault is false'],
      ['service "cart"', true, 'fault is true'],
    ]);
  });

  it('marks what cannot be decided as unknown, with the reason', () => {
    const tree = explainFilter('group.name = "x" OR edge("a", "b")', trace({}));
    expect(tree.result).toBe('unknown');
    expect(tree.children.map((c) => c.result)).toEqual(['unknown', 'unknown']);
    expect(tree.children[0]!.why).toContain('group membership');
    expect(tree.children[1]!.why).toContain('edge data');
  });

  it('formats one line per clause, indented by depth', () => {
    const text = formatExplain(
      explainFilter(
        `${REGISTERED} and responsetime > 3`,
        trace({ responseTime: 3, annotations: { username: 'alice' } }),
      ),
    );
    expect(text).toBe(
      [
        '✗ AND: false (1 of 3 clauses false)',
        '  ✓ Annotation.username CONTAINS "": true (value is "alice")',
        '  ✓ Annotation.username != "anonymous": true (value is "alice")',
        '  ✗ responsetime > 3: false (responsetime is 3)',
      ].join('\n'),
    );
  });
});
