import { describe, expect, it } from 'vitest';
import { escapeHtml, mrkdwn } from './report';

describe('report: Slack text as Slack shows it', () => {
  it('renders links, bold, italics, code and emoji codes', () => {
    expect(
      mrkdwn('*Affected:* _5_ users · `fault` :red_circle: <https://runbooks.example.com/x|Runbook>'),
    ).toBe(
      '<b>Affected:</b> <i>5</i> users · <code>fault</code> 🔴 <a href="https://runbooks.example.com/x">Runbook</a>',
    );
    expect(mrkdwn('line one\nline two')).toBe('line one<br>line two');
  });

  it('shows escaped text as Slack would and lets nothing through as HTML', () => {
    // A username Slack received escaped (&lt;script&gt;) shows as text, never as a tag.
    expect(mrkdwn('• &lt;script&gt;alert(1)&lt;/script&gt; — 1 fault')).toBe(
      '• &lt;script&gt;alert(1)&lt;/script&gt; — 1 fault',
    );
    // Only http(s) links become anchors.
    expect(mrkdwn('<javascript:alert(1)|click>')).toBe('click');
    expect(escapeHtml(`"><img src=x onerror=1>'`)).toBe('&quot;&gt;&lt;img src=x onerror=1&gt;&#39;');
  });
});
