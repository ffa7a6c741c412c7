import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { HandleResult } from '../../functions/notifier/handle-event';
import { notifierAnswerSchema } from './notifier-invoker';

/** The schema's named fields, without the index signature `looseObject` adds. */
type Named<T> = { [K in keyof T as string extends K ? never : K]: T[K] };
type Answer = Named<z.input<typeof notifierAnswerSchema>>;

describe('the notifier’s answer', () => {
  it('is read with a schema that every handler result fits', () => {
    // Type-checked: if the handler's result changes shape (`kind`, `reason`, `slack`, `email`…), this fails to compile.
    const fits = (result: HandleResult): Answer => result;
    const answers: HandleResult[] = [
      { kind: 'dead-lettered', reason: 'slack: channel_not_found' },
      { kind: 'ignored', reason: 'not our alarm' },
    ];
    for (const answer of answers) expect(notifierAnswerSchema.parse(fits(answer))).toEqual(answer);
  });
});
