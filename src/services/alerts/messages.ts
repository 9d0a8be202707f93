// The audit's report in each transport's format, each bounded whatever the fleet's size:
// - e-mail: Markdown (transport-email renders it as HTML): the status, a table with one row per pool,
//   then a section per kind of problem;
// - Slack/Mattermost and XMPP: a short text (pools that need attention, the first problems);
// - Nagios: one ASCII line that fits NSCA's plugin output; Icinga2: that line, then the short text.
import type { Assessment, Finding, PoolRow } from './findings'
import { FINDINGS, FINDING_ORDER, type FindingKind } from './status'
import { ascii, clip, escapeHtml, escapeMarkdown, firstLines, oneLine } from './text'
import { verdictList } from '../hsts/report'

export const LIMITS = {
  emailTableRows: 200,
  emailSectionLines: 50,
  emailLineChars: 600,
  chatPools: 10,
  chatFindings: 10,
  chatLineChars: 240,
  chatChars: 3500,
  /** NSCA's plugin output holds 512 bytes with its terminating NUL. */
  nagiosBytes: 511,
  icingaChars: 4000,
}

export interface AuditMessage {
  startedAt: string
  assessment: Assessment
}

const TITLE = 'XAPI configuration audit'

export function emailSubject({ assessment }: AuditMessage): string {
  return `[Xen Orchestra] ${TITLE}: ${assessment.status}`
}

export function emailMarkdown({ startedAt, assessment }: AuditMessage): string {
  const sections = [`# ${TITLE} of ${startedAt}`, `**Status: ${assessment.status}**: ${escapeHtml(summary(assessment))}`, poolTable(assessment.pools)]
  for (const [kind, findings] of byKind(assessment.findings)) {
    const lines = findings.map(finding => `- ${emailLine(finding)}`)
    const more = (count: number) => `- … and ${count} more`
    sections.push(`## ${FINDINGS[kind].title}\n\n${firstLines(lines, LIMITS.emailSectionLines, more).join('\n')}`)
  }
  if (assessment.reapplyOff) {
    sections.push('Automatic re-apply is off: run `xo-cli xapiConfig.apply` or turn on *Re-apply missing or changed drop-ins* in the plugin settings.')
  }
  if (assessment.findings.length === 0) {
    sections.push('Nothing needs attention.')
  }
  return sections.join('\n\n') + '\n'
}

function poolTable(pools: readonly PoolRow[]): string {
  const header = ['| Pool | Status | Hosts | XAPI would not start | Not reached | Drifting keys | Non-compliant | HSTS |', '|---|---|--:|--:|--:|--:|--:|---|']
  const rows = pools.map(
    row =>
      `| ${escapeMarkdown(row.label)} | ${row.status} | ${row.hosts} | ${row.wouldNotStart} | ${row.unreachable} | ` +
      `${row.driftingKeys} | ${row.nonCompliant} | ${verdictList(row.hsts) || '–'} |`
  )
  const shown = firstLines(rows, LIMITS.emailTableRows, count => `| … and ${count} more pools | | | | | | | |`)
  return [...header, ...shown].join('\n')
}

function emailLine({ subject, pool, text }: Finding): string {
  const where = pool === undefined || pool.label === subject ? '' : ` (${escapeMarkdown(pool.label)})`
  return `**${escapeMarkdown(subject)}**${where}: ${escapeHtml(clip(oneLine(text), LIMITS.emailLineChars))}`
}

/** `3 pools, 12 hosts; 1 would not start, 2 drifting keys`: the counts of every kind of finding, most urgent first. */
export function summary({ pools, findings }: Assessment): string {
  const hosts = pools.reduce((sum, pool) => sum + pool.hosts, 0)
  const counts = [...byKind(findings)].map(([kind, list]) => `${list.length} ${FINDINGS[kind].short}`)
  const fleet = `${pools.length} pool${pools.length === 1 ? '' : 's'}, ${hosts} host${hosts === 1 ? '' : 's'}`
  return counts.length === 0 ? `${fleet}; all clear` : `${fleet}; ${counts.join(', ')}`
}

/** Slack/Mattermost (`bold` as mrkdwn) and XMPP (plain). */
export function chatText(message: AuditMessage, markup: 'slack' | 'plain'): string {
  const { assessment } = message
  const escape = markup === 'slack' ? escapeHtml : (text: string) => text
  const bold = markup === 'slack' ? (text: string) => `*${text}*` : (text: string) => text
  const lines = [bold(`${TITLE}: ${assessment.status}`) + ` (${message.startedAt})`, escape(summary(assessment))]
  lines.push(...shortDetails(assessment).map(line => escape(line)))
  return clip(lines.join('\n'), LIMITS.chatChars)
}

export function nagiosText(message: AuditMessage): string {
  return nagiosLine(statusLine(message.assessment))
}

/** What NSCA carries: one ASCII line of at most 511 bytes. */
export function nagiosLine(text: string): string {
  return clip(ascii(text), LIMITS.nagiosBytes)
}

/** Icinga2's first line is the check's short output; the next ones its long output. */
export function icingaText(message: AuditMessage): string {
  const { assessment } = message
  return clip([oneLine(statusLine(assessment)), ...shortDetails(assessment)].join('\n'), LIMITS.icingaChars)
}

/** For monitoring transports, when the run itself failed (UNKNOWN): what stopped it. */
export function failureText(error: string): string {
  return clip(oneLine(`${TITLE} UNKNOWN: the audit could not run: ${error}`), LIMITS.icingaChars)
}

function statusLine(assessment: Assessment): string {
  return `${TITLE} ${assessment.status}: ${summary(assessment)}`
}

/** The pools that need attention, then the first problems; each list bounded. */
function shortDetails(assessment: Assessment): string[] {
  const pools = assessment.pools.filter(pool => pool.status !== 'OK').map(pool => `${pool.label}: ${pool.status}: ${poolCounts(pool, assessment.findings)}`)
  const problems = orderByKind(assessment.findings).map(({ kind, subject, text }) => `- ${FINDINGS[kind].short}: ${subject}: ${text}`)
  return [
    ...firstLines(pools, LIMITS.chatPools, count => `… and ${count} more pools`),
    ...firstLines(problems, LIMITS.chatFindings, count => `… and ${count} more`),
  ].map(line => clip(oneLine(line), LIMITS.chatLineChars))
}

function poolCounts(pool: PoolRow, findings: readonly Finding[]): string {
  return [...byKind(findings.filter(finding => finding.pool?.id === pool.id))].map(([kind, list]) => `${list.length} ${FINDINGS[kind].short}`).join(', ')
}

function byKind(findings: readonly Finding[]): Map<FindingKind, Finding[]> {
  const groups = new Map<FindingKind, Finding[]>(FINDING_ORDER.map(kind => [kind, []]))
  for (const finding of findings) {
    groups.get(finding.kind)!.push(finding)
  }
  return new Map([...groups].filter(([, list]) => list.length !== 0))
}

function orderByKind(findings: readonly Finding[]): Finding[] {
  return [...byKind(findings).values()].flat()
}
