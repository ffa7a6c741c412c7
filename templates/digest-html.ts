/**
 * Manager digest → HTML email (sent through SES when a sender is configured).
 *
 * Email-safe on purpose: layout tables with inline styles only (mail clients drop `<style>`
 * blocks and classes unevenly), the per-day chart drawn as coloured table cells (no images,
 * so nothing is blocked or fetched from outside), no scripts. Every piece of text is
 * HTML-escaped, including the numbers' labels, because rule titles and usernames are
 * untrusted.
 */
import type { Severity } from '../rules/schema';
import {
  SEVERITIES,
  MAX_ONGOING_SHOWN,
  MAX_RULES_SHOWN,
  MAX_SILENCED_SHOWN,
  barSegments,
  busiestDay,
  capitalise,
  clockChangeNote,
  currentLabel,
  comparison,
  dayLabel,
  digestSubject,
  durationLabel,
  namesShown,
  periodTitle,
  pickupLabel,
  previousLabel,
  shortLine,
  usersLabel,
  whenLabel,
  type DigestFigures,
  type DurationStats,
  type RuleCount,
} from './digest-text';
import { emailDocument, escapeHtml } from './email-document';
import { formatCount, plural } from './format';

const CHART_PX = 340;
const FONT = 'font-family:Arial,Helvetica,sans-serif;';
const INK = '#172b4d';
const MUTED = '#5e6c84';
const RULE_LINE = '#dfe1e6';
const COLOUR: Readonly<Record<Severity, string>> = { page: '#c9372c', ticket: '#e2740c', info: '#1d7afc' };

export { escapeHtml };

const e = escapeHtml;

export function renderDigestHtml(figures: DigestFigures): string {
  const { period } = figures;
  const title = `User-impact digest: ${periodTitle(period)}`;
  const sections: string[] = [header(figures)];
  if (figures.incidents === 0) {
    sections.push(
      block(
        `<p style="margin:0 0 8px 0;font-size:18px;font-weight:bold;color:${INK};">No incidents ${e(currentLabel(period))}.</p>` +
          `<p style="margin:0;font-size:14px;color:${MUTED};">${e(capitalise(previousLabel(period)))}: ${e(plural(figures.previous.incidents, 'incident'))}.</p>`,
      ),
      openList(figures, figures.carriedOver, 'Still open from earlier (counted in the period they started)'),
    );
  } else {
    sections.push(tiles(figures), details(figures), chart(figures), rules(figures));
    sections.push(
      openList(figures, figures.ongoing, 'Still open at period end'),
      openList(figures, figures.carriedOver, 'Still open from earlier (counted in the period they started)'),
      silenced(figures),
      names(figures),
    );
  }
  sections.push(footer(figures));

  return emailDocument({ title: digestSubject(figures), label: title, rows: sections });
}

function block(inner: string, padding = '16px 24px'): string {
  return `<tr><td style="padding:${padding};border-top:1px solid ${RULE_LINE};${FONT}">${inner}</td></tr>`;
}

function heading(text: string): string {
  return `<p style="margin:0 0 10px 0;font-size:13px;font-weight:bold;letter-spacing:1px;text-transform:uppercase;color:${MUTED};">${e(text)}</p>`;
}

function header(f: DigestFigures): string {
  const note = clockChangeNote(f.period);
  return (
    `<tr><td style="padding:20px 24px;background-color:${INK};${FONT}">` +
    `<p style="margin:0;font-size:20px;font-weight:bold;color:#ffffff;">User-impact digest</p>` +
    `<p style="margin:4px 0 0 0;font-size:14px;color:#dfe1e6;">${e(capitalise(periodTitle(f.period)))} &middot; times in ${e(shortLine(f.period.timezone, 50))}</p>` +
    (note ? `<p style="margin:6px 0 0 0;font-size:12px;color:#f8e6a0;">${e(note)}</p>` : '') +
    `</td></tr>`
  );
}

function tiles(f: DigestFigures): string {
  const prev = previousLabel(f.period);
  const tile = (label: string, value: string, sub: string) =>
    `<td width="33%" valign="top" style="width:33%;padding:12px;border:1px solid ${RULE_LINE};background-color:#fafbfc;${FONT}">` +
    `<p style="margin:0;font-size:12px;color:${MUTED};">${e(label)}</p>` +
    `<p style="margin:4px 0;font-size:24px;font-weight:bold;color:${INK};">${e(value)}</p>` +
    `<p style="margin:0;font-size:12px;color:${MUTED};">${e(sub)}</p></td>`;
  const cells = [
    tile('Incidents', formatCount(f.incidents), comparison(prev, f.incidents, f.previous.incidents)),
    tile(
      'Users affected',
      usersLabel(f.users.distinct, f.users.lowerBound, f.users.estimate),
      comparison(
        prev,
        f.users.distinct,
        f.previous.distinctUsers,
        usersLabel(f.previous.distinctUsers, f.previous.usersLowerBound),
      ),
    ),
    tile(
      'Median time to resolve',
      durationLabel(f.timeToResolve.medianMs),
      `(${prev}: ${durationLabel(f.previous.medianTimeToResolveMs)})`,
    ),
  ];
  return block(
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="8" border="0" style="width:100%;"><tr>${cells.join('')}</tr></table>`,
    '12px 16px',
  );
}

function details(f: DigestFigures): string {
  const rows: [string, string][] = [
    ['By severity', SEVERITIES.map((s) => `${s} ${formatCount(f.bySeverity[s])}`).join(', ')],
    ['Anonymous requests affected', formatCount(f.anonymousRequests)],
    ['Time to page', statsLabel(f.timeToPage, 'paged')],
    ...(f.pickup && f.pickup.pages > 0
      ? ([
          ['Time to acknowledge', statsLabel(f.pickup.timeToAcknowledge, 'acknowledged')],
          ['Pages acknowledged', pickupLabel(f.pickup)],
        ] as [string, string][])
      : []),
    ['Time to resolve', statsLabel(f.timeToResolve, 'resolved')],
  ];
  if (f.longest) {
    rows.push([
      'Longest incident',
      `${durationLabel(f.longest.durationMs)}${f.longest.ongoing ? ' (still open)' : ''}: ${shortLine(f.longest.title, 120)}, started ${whenLabel(f.longest.firstFiredAt, f.period.timezone)}`,
    ]);
  }
  rows.push(['Open at period end', formatCount(f.ongoing.length)]);
  return block(heading('At a glance') + table(rows.map(([k, v]) => [e(k), e(v)])));
}

function statsLabel(stats: DurationStats, verb: string): string {
  if (stats.count === 0) return `none ${verb}`;
  return `median ${durationLabel(stats.medianMs)}, worst ${durationLabel(stats.worstMs)} (${formatCount(stats.count)} ${verb})`;
}

/** Two-column key/value table; cells arrive escaped. */
function table(rows: readonly (readonly [string, string])[], keyWidth = 200): string {
  const body = rows
    .map(
      ([k, v]) =>
        `<tr><td width="${keyWidth}" valign="top" style="width:${keyWidth}px;padding:4px 8px 4px 0;font-size:14px;color:${MUTED};${FONT}">${k}</td>` +
        `<td valign="top" style="padding:4px 0;font-size:14px;color:${INK};${FONT}">${v}</td></tr>`,
    )
    .join('');
  return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="width:100%;">${body}</table>`;
}

function chart(f: DigestFigures): string {
  const busiest = busiestDay(f.days);
  const legend = SEVERITIES.map(
    (s) =>
      `<td style="padding:0 4px 0 0;"><table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr><td width="10" height="10" bgcolor="${COLOUR[s]}" style="width:10px;height:10px;background-color:${COLOUR[s]};font-size:0;line-height:0;">&nbsp;</td></tr></table></td>` +
      `<td style="padding:0 14px 0 0;font-size:12px;color:${MUTED};${FONT}">${e(s)}</td>`,
  ).join('');
  const rows = f.days
    .map((day) => {
      const seg = barSegments(day, busiest, CHART_PX);
      const cells = SEVERITIES.filter((s) => seg[s] > 0)
        .map(
          (s) =>
            `<td width="${seg[s]}" height="16" bgcolor="${COLOUR[s]}" style="width:${seg[s]}px;height:16px;background-color:${COLOUR[s]};font-size:0;line-height:0;" title="${e(`${day.bySeverity[s]} ${s}`)}">&nbsp;</td>`,
        )
        .join('');
      const bar =
        cells === ''
          ? `<span style="font-size:0;line-height:0;">&nbsp;</span>`
          : `<table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr>${cells}</tr></table>`;
      return (
        `<tr><td width="90" style="width:90px;padding:3px 8px 3px 0;font-size:13px;color:${INK};white-space:nowrap;${FONT}">${e(dayLabel(day.date))}</td>` +
        `<td width="${CHART_PX}" style="width:${CHART_PX}px;padding:3px 0;background-color:#f4f5f7;">${bar}</td>` +
        `<td align="right" style="padding:3px 0 3px 8px;font-size:13px;font-weight:bold;color:${INK};${FONT}">${e(formatCount(day.total))}</td></tr>`
      );
    })
    .join('');
  return block(
    heading('Incidents per day') +
      `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 10px 0;"><tr>${legend}</tr></table>` +
      `<table role="presentation" cellpadding="0" cellspacing="0" border="0">${rows}</table>`,
  );
}

function ruleRows(list: readonly RuleCount[], max: number, more: string): string {
  const shown = list.slice(0, max);
  const rows = shown.map(
    (r) =>
      `<tr><td width="32" align="right" valign="top" style="width:32px;padding:4px 10px 4px 0;font-size:14px;font-weight:bold;color:${INK};${FONT}">${e(formatCount(r.count))}</td>` +
      `<td valign="top" style="padding:4px 0;font-size:14px;color:${INK};${FONT}">${severityBadge(r.severity)} ${e(shortLine(r.title, 120))}` +
      (r.owner ? ` <span style="color:${MUTED};">&middot; ${e(shortLine(r.owner, 40))}</span>` : '') +
      `</td></tr>`,
  );
  const omitted = list.length - shown.length;
  if (omitted > 0) rows.push(moreRow(`+${plural(omitted, more)}`, 2));
  return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="width:100%;">${rows.join('')}</table>`;
}

function severityBadge(severity: Severity): string {
  return `<span style="display:inline-block;padding:1px 6px;font-size:11px;font-weight:bold;color:#ffffff;background-color:${COLOUR[severity]};">${e(severity)}</span>`;
}

function moreRow(text: string, span: number): string {
  return `<tr><td colspan="${span}" style="padding:6px 0 0 0;font-size:13px;color:${MUTED};${FONT}">${e(text)}</td></tr>`;
}

function rules(f: DigestFigures): string {
  return block(heading('Rules that fired most') + ruleRows(f.byRule, MAX_RULES_SHOWN, 'more rule'));
}

function openList(f: DigestFigures, incidents: DigestFigures['ongoing'], title: string): string {
  if (incidents.length === 0) return '';
  const shown = incidents.slice(0, MAX_ONGOING_SHOWN);
  const rows = shown.map(
    (i) =>
      `<tr><td valign="top" style="padding:4px 0;font-size:14px;color:${INK};${FONT}">${severityBadge(i.severity)} ${e(shortLine(i.title, 120))}` +
      `<br><span style="font-size:12px;color:${MUTED};">since ${e(whenLabel(i.firstFiredAt, f.period.timezone))}, open ${e(durationLabel(i.durationMs))} by period end</span></td></tr>`,
  );
  const omitted = incidents.length - shown.length;
  if (omitted > 0) rows.push(moreRow(`+${plural(omitted, 'more open incident')}`, 1));
  return block(
    heading(title) +
      `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="width:100%;">${rows.join('')}</table>`,
  );
}

function silenced(f: DigestFigures): string {
  if (f.silenced.length === 0) return '';
  return block(
    heading('Silenced rules (fired, nobody was paged)') +
      ruleRows(f.silenced, MAX_SILENCED_SHOWN, 'more silenced rule'),
  );
}

function names(f: DigestFigures): string {
  if (!f.users.names || f.users.names.length === 0) return '';
  const { shown, omitted } = namesShown(f.users.names);
  return block(
    heading('Users affected') +
      `<p style="margin:0;font-size:14px;line-height:20px;color:${INK};">${shown.map(e).join(', ')}</p>` +
      (omitted > 0
        ? `<p style="margin:6px 0 0 0;font-size:13px;color:${MUTED};">+${e(plural(omitted, 'more user'))}</p>`
        : '') +
      `<p style="margin:6px 0 0 0;font-size:12px;color:${MUTED};">Named because digest.nameUsers is on.</p>`,
  );
}

function footer(f: DigestFigures): string {
  const notes: string[] = [];
  if (f.incidents > 0 && f.users.estimate) {
    notes.push(
      '"About": requests were sampled, so users were counted from sampled traces and the number affected estimated from them, as the page did (largest incident shown).',
    );
  }
  if (f.incidents > 0 && f.users.lowerBound) {
    notes.push(
      '"At least": some incidents had more affected users than were recorded (partial enrichment or a truncated list).',
    );
  }
  if (f.ongoing.length > 0) {
    notes.push(
      'Incidents are counted once, in the period they started; one still open at the period end is shown as open here even if it resolved later.',
    );
  }
  if (f.testIncidentsExcluded > 0)
    notes.push(`${plural(f.testIncidentsExcluded, 'test alert')} not counted.`);
  if (!f.users.names && f.incidents > 0)
    notes.push('Users are counted, not named (digest.nameUsers is off).');
  if (notes.length === 0) return '';
  return block(
    notes.map((n) => `<p style="margin:0 0 4px 0;font-size:12px;color:${MUTED};">${e(n)}</p>`).join(''),
    '12px 24px 16px 24px',
  );
}
