import { describe, expect, it } from 'vitest';
import { closest, editDistance, suggestKeyword, suggestOperator } from './suggest';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['responsetim', 'responsetime', 1],
    ['resposnetime', 'responsetime', 1],
    ['kitten', 'sitting', 3],
  ])('%s ↔ %s = %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('suggestions', () => {
  it('offers a keyword only when it is close enough to be a typo', () => {
    expect(closest('fualt', ['fault', 'error'])).toBe('fault');
    expect(closest('banana', ['fault', 'error'])).toBeUndefined();
  });

  it.each([
    ['annotaton.username', 'annotation.username'],
    ['Annotatoin.username', 'annotation.username'],
    ['annotations.username', 'annotation.username'],
    ['responsetim', 'responsetime'],
    ['ResponseTine', 'responsetime'],
    ['http.staus', 'http.status'],
    ['servce', 'service'],
    ['rootcause.falt.entity', 'rootcause.fault.entity'],
  ])('%s → %s', (typo, fix) => {
    expect(suggestKeyword(typo)).toBe(fix);
  });

  it('has nothing to say about an unrelated word', () => {
    expect(suggestKeyword('shoppingcart')).toBeUndefined();
  });

  it.each([
    ['CONTAIN', 'CONTAINS'],
    ['contians', 'CONTAINS'],
    ['STARTSWITH', 'BEGINSWITH'],
    ['ENDWITH', 'ENDSWITH'],
    ['like', 'CONTAINS'],
  ])('operator %s → %s', (typo, fix) => {
    expect(suggestOperator(typo)).toBe(fix);
  });
});
