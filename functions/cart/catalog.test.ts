import { describe, expect, it } from 'vitest';
import { ConfigError } from '../shared/errors';
import { createCatalog } from './catalog';
import catalogJson from './catalog.json';

describe('createCatalog', () => {
  it('serves the shipped catalog by id', () => {
    const catalog = createCatalog();
    expect(catalog.list()).toHaveLength(catalogJson.length);
    expect(catalog.get('4c1fadaa-213a-4ea8-aa32-58c217604e3c')?.name).toBe('packaged strawberries');
    expect(catalog.get('nope')).toBeUndefined();
  });

  it('refuses a catalog with bad entries, naming each one', () => {
    const [first, second] = catalogJson;
    let caught: unknown;
    try {
      createCatalog([
        { ...first, productId: 'cake' },
        { ...second, price: -1 },
      ]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).problems).toEqual([
      expect.stringMatching(/^0\.productId: /),
      expect.stringMatching(/^1\.price: /),
    ]);
  });

  it('refuses duplicate product ids', () => {
    const [first] = catalogJson;
    expect(() => createCatalog([first, first])).toThrow(/duplicate/);
  });
});
