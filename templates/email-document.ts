/**
 * The frame every HTML email of this project shares (the digest, the backtest report): a
 * centred 640-px layout table on a grey background, inline styles only, no `<style>` block, no
 * scripts, so mail clients render it alike. Callers pass their rows (`<tr>…</tr>`), already
 * escaped.
 */
const FONT = 'font-family:Arial,Helvetica,sans-serif;';
const INK = '#172b4d';
const RULE_LINE = '#dfe1e6';

/** `&`, `<`, `>`, `"` and `'`: safe in element content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export interface EmailDocument {
  /** The `<title>`: what a mail client or browser tab shows. */
  title: string;
  /** The main table's accessible name. */
  label: string;
  rows: readonly string[];
}

export function emailDocument({ title, label, rows }: EmailDocument): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    '</head>',
    `<body style="margin:0;padding:0;background-color:#f4f5f7;">`,
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f4f5f7;">`,
    `<tr><td align="center" style="padding:24px 12px;">`,
    `<table role="presentation" width="640" cellpadding="0" cellspacing="0" border="0" style="width:640px;max-width:640px;background-color:#ffffff;border:1px solid ${RULE_LINE};${FONT}color:${INK};" aria-label="${escapeHtml(label)}">`,
    ...rows.filter((r) => r !== ''),
    '</table>',
    '</td></tr>',
    '</table>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
