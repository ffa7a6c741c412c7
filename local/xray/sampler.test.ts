import { describe, expect, it } from 'vitest';
import { createPrng } from '../scenario/prng';
import { createSampler, glob, type SampledRequest } from './sampler';

const request = (atMs: number, over: Partial<SampledRequest> = {}): SampledRequest => ({
  atMs,
  serviceName: 'shop-api/prod',
  serviceType: 'AWS::ApiGateway::Stage',
  host: 'shop0local.execute-api.us-east-1.amazonaws.com',
  httpMethod: 'GET',
  urlPath: '/product',
  resourceArn: 'arn:aws:apigateway:us-east-1::/restapis/shop0local/stages/prod',
  ...over,
});

const rule = {
  name: 'cart',
  priority: 100,
  reservoirSize: 2,
  fixedRate: 0,
  serviceName: '*',
  serviceType: '*',
  host: '*',
  httpMethod: '*',
  urlPath: '/cart*',
  resourceArn: '*',
};

describe('X-Ray sampler', () => {
  it('takes the reservoir first each second, then the fixed rate', () => {
    const sampler = createSampler([rule], createPrng(1));
    const cart = (ms: number) => sampler.sampled(request(ms, { urlPath: '/cart' }));
    // 2 a second from the reservoir, none after (fixedRate 0), and a new second refills it.
    expect([cart(0), cart(100), cart(200), cart(900), cart(1_000), cart(1_001), cart(1_002)]).toEqual([
      true,
      true,
      false,
      false,
      true,
      true,
      false,
    ]);
  });

  it("sends what no rule matches to X-Ray's default rule: 1 a second, then 5 %", () => {
    const sampler = createSampler([rule], createPrng(2));
    let traced = 0;
    // 10 product requests a second for 1,000 seconds: 1,000 from the reservoir + 5 % of 9,000.
    for (let i = 0; i < 10_000; i++) if (sampler.sampled(request(i * 100))) traced++;
    expect(traced).toBeGreaterThan(1_000 + 0.04 * 9_000);
    expect(traced).toBeLessThan(1_000 + 0.06 * 9_000);
    expect(sampler.stats()).toMatchObject({ Default: { requests: 10_000, sampled: traced } });
  });

  it('picks the matching rule of lowest priority number, and repeats itself for a seed', () => {
    const all = { ...rule, name: 'all', priority: 50, reservoirSize: 0, fixedRate: 1, urlPath: '*' };
    const sampler = createSampler([rule, all], createPrng(3));
    expect(sampler.sampled(request(0, { urlPath: '/cart' }))).toBe(true);
    expect(sampler.stats()).toEqual({ all: { requests: 1, sampled: 1 } });
    const draws = (seed: number) => {
      const s = createSampler([{ ...rule, reservoirSize: 0, fixedRate: 0.5 }], createPrng(seed));
      return Array.from({ length: 20 }, (_, i) => s.sampled(request(i, { urlPath: '/cart' })));
    };
    expect(draws(9)).toEqual(draws(9));
  });

  it('matches * and ? globs, methods and hosts without regard to case', () => {
    expect(glob('/cart*', false)('/cart/checkout')).toBe(true);
    expect(glob('/cart*', false)('/product')).toBe(false);
    expect(glob('/p?oduct', false)('/product')).toBe(true);
    expect(glob('get', true)('GET')).toBe(true);
    expect(glob('a.b', false)('axb')).toBe(false);
  });
});
