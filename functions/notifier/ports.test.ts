import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { PermanentError, RetryableError, isPermanentError, isRetryableError } from './errors';
import type { NotifierLogger } from './ports';

describe('ports and errors', () => {
  it('accepts a Powertools Logger as the injected logger', () => {
    // Compile-time check (tsc) that the structural type fits; the call proves it runs.
    const logger: NotifierLogger = new Logger({ serviceName: 'notifier-test', logLevel: 'SILENT' });
    expect(() => logger.info('hello', { a: 1 })).not.toThrow();
  });

  it('keeps reason and cause on both error kinds and tells them apart', () => {
    const cause = new Error('root');
    const permanent = new PermanentError('detail.state: missing', { cause });
    const retryable = new RetryableError('Slack 503', { cause });
    expect(permanent).toMatchObject({ name: 'PermanentError', reason: 'detail.state: missing', cause });
    expect(retryable).toMatchObject({ name: 'RetryableError', reason: 'Slack 503', cause });
    expect(isPermanentError(permanent)).toBe(true);
    expect(isPermanentError(retryable)).toBe(false);
    expect(isRetryableError(retryable)).toBe(true);
    expect(new PermanentError('x').cause).toBeUndefined();
  });
});
