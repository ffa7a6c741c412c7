/**
 * Slack messages as a person reads them, for `out/slack/*.txt`: Block Kit flattened to lines
 * (header, sections, context, dividers, buttons), replies under their root.
 */
import type { SlackMessage } from '../slack-server';

export function blocksText(blocks: readonly unknown[] | undefined): string[] {
  return (blocks ?? []).flatMap((block) => {
    if (!isRecord(block)) return [];
    switch (block.type) {
      case 'header':
        return [`== ${textOf(block.text)} ==`];
      case 'section':
        return [
          ...(block.text === undefined ? [] : [textOf(block.text)]),
          ...(Array.isArray(block.fields) ? block.fields.map(textOf) : []),
        ];
      case 'context':
        return Array.isArray(block.elements) ? [block.elements.map(textOf).filter(Boolean).join(' · ')] : [];
      case 'divider':
        return ['----'];
      case 'actions':
        return Array.isArray(block.elements)
          ? [block.elements.map((e) => `[ ${isRecord(e) ? textOf(e.text) : ''} ]`).join(' ')]
          : [];
      default:
        return [JSON.stringify(block)];
    }
  });
}

/** Everything a reader could see of one message: its blocks, or its text when it has none. */
export function messageText(message: Pick<SlackMessage, 'text' | 'blocks'>): string {
  const lines = blocksText(message.blocks);
  return (lines.length > 0 ? lines : [message.text]).join('\n');
}

export function threadText(thread: readonly SlackMessage[]): string {
  return thread
    .map((message, i) => {
      const edited = message.updates > 0 ? ` (edited ${message.updates}×)` : '';
      const head = i === 0 ? `[${message.ts}]${edited}` : `  ↳ reply [${message.ts}]${edited}`;
      const body = messageText(message)
        .split('\n')
        .map((line) => (i === 0 ? line : `    ${line}`))
        .join('\n');
      return `${head}\n${body}`;
    })
    .join('\n\n');
}

function textOf(value: unknown): string {
  if (!isRecord(value)) return '';
  return typeof value.text === 'string' ? unescapeMrkdwn(value.text) : '';
}

/** Slack shows `&lt;`, `&gt;` and `&amp;` as the characters they escape; so does this file. */
export function unescapeMrkdwn(text: string): string {
  return text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
