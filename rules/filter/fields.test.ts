import { describe, expect, it } from 'vitest';
import type { Scope, SimpleKeyword } from './ast';
import { FIELD_TABLES } from './fields';
import { lookupKeyword, SIMPLE_KEYWORDS } from './keywords';

const SCOPES = Object.keys(FIELD_TABLES) as Scope[];

describe('field tables', () => {
  it('give every keyword an accessor in every scope the parser allows it in', () => {
    const missing = SIMPLE_KEYWORDS.flatMap((k) =>
      lookupKeyword(k)!
        .scopes.filter((s) => FIELD_TABLES[s][k as SimpleKeyword] === undefined)
        .map((s) => `${k}@${s}`),
    );
    expect(missing).toEqual([]);
  });

  it('have no accessor for a keyword the parser rejects in that scope', () => {
    const dead = SCOPES.flatMap((s) =>
      Object.keys(FIELD_TABLES[s])
        .filter((k) => !lookupKeyword(k)!.scopes.includes(s))
        .map((k) => `${k}@${s}`),
    );
    expect(dead).toEqual([]);
  });
});
