/**
 * The product catalog: a static file (the sample's product mock), validated once at init so a bad
 * edit to catalog.json fails the cold start, not a shopper's request.
 */
import * as z from 'zod/mini';
import { parseConfig } from '../shared/config';
import catalogJson from './catalog.json';

const productSchema = z.object({
  productId: z.guid(),
  name: z.string().check(z.minLength(1)),
  category: z.string(),
  description: z.string(),
  price: z.number().check(z.int(), z.nonnegative()),
  pictures: z.array(z.string()),
  tags: z.array(z.string()),
  package: z.object({ height: z.number(), length: z.number(), weight: z.number(), width: z.number() }),
  createdDate: z.string(),
  modifiedDate: z.string(),
});

export type Product = z.output<typeof productSchema>;

export interface Catalog {
  list(): readonly Product[];
  get(productId: string): Product | undefined;
}

export function createCatalog(raw: unknown = catalogJson): Catalog {
  // A catalog is configuration shipped as a file: ConfigError lists every bad field at once.
  const products: readonly Product[] = parseConfig(z.array(productSchema), raw);
  const byId = new Map(products.map((product) => [product.productId, product]));
  if (byId.size !== products.length) throw new Error('catalog has duplicate productId values');
  return { list: () => products, get: (productId) => byId.get(productId) };
}
