import { describe, expect, it } from 'vitest';
import { cleanBlock, cleanLine, escapeMrkdwn, slackCode, slackLink } from './escape';
import { alarmConsoleUrl, insightConsoleUrl, safeHttpUrl, traceConsoleUrl } from './urls';

describe('escapeMrkdwn', () => {
  it('escapes & first, then < and >', () => {
    expect(escapeMrkdwn('<!channel>')).toBe('&lt;!channel&gt;');
    expect(escapeMrkdwn('<@U123>')).toBe('&lt;@U123&gt;');
    expect(escapeMrkdwn('<http://x|y>')).toBe('&lt;http://x|y&gt;');
    expect(escapeMrkdwn('&lt;')).toBe('&amp;lt;');
    expect(escapeMrkdwn('a & b')).toBe('a &amp; b');
  });
});

describe('cleanLine / cleanBlock', () => {
  it('replaces control and bidi characters, keeping RTL letters', () => {
    expect(cleanLine('a\nb\r\tc\u202Ed\u2066e')).toBe('a\uFFFDb\uFFFD\uFFFDc\uFFFDd\uFFFDe');
    expect(cleanLine('مريم')).toBe('مريم');
    expect(cleanBlock('line1\r\nline2\u0007')).toBe('line1\nline2\uFFFD');
  });
});

describe('slackLink and URLs', () => {
  it('links only http(s) URLs and encodes the characters that would break the link', () => {
    expect(slackLink('https://a.example/x?y=1&z=2', 'go')).toBe('<https://a.example/x?y=1&amp;z=2|go>');
    expect(slackLink('https://a.example/a|b', 'x|y')).toBe('<https://a.example/a%7Cb|x¦y>');
    expect(slackLink('javascript:alert(1)', '<b>')).toBe('&lt;b&gt;');
    expect(slackLink('https://user:pw@a.example/', 'creds')).toBe('creds');
    expect(slackLink(undefined, 'none')).toBe('none');
    expect(slackLink(`https://a.example/${'x'.repeat(2_000)}`, 'too long')).toBe('too long');
    expect(safeHttpUrl(' https://a.example/a b ')).toBe('https://a.example/a%20b');
  });

  it('builds console URLs only from valid regions, trace ids and insight ids', () => {
    expect(traceConsoleUrl('eu-west-1', '1-59602603-23fc5b688855d396af79b496')).toBe(
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#xray:traces/1-59602603-23fc5b688855d396af79b496',
    );
    expect(traceConsoleUrl('eu-west-1', '1-bad')).toBeUndefined();
    expect(traceConsoleUrl('evil.com/x', '1-59602603-23fc5b688855d396af79b496')).toBeUndefined();
    expect(alarmConsoleUrl('us-east-1', 'EC2 CPU / #1')).toMatch(/#alarmsV2:alarm\/EC2%20CPU%20%2F%20%231$/);
    expect(insightConsoleUrl('us-east-1', 'not-a-uuid')).toBeUndefined();
  });

  it('keeps backticks from closing an inline code span', () => {
    expect(slackCode('a`b<c>')).toBe('`aˋb&lt;c&gt;`');
  });
});
