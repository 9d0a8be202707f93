// docs/audit-alerts.md: what each audit finding weighs (from FINDINGS) and one sample report rendered by
// the code for each transport, so that the page shows exactly what admins receive.
import type { Assessment, Finding } from '../../src/services/alerts/findings'
import { chatText, emailMarkdown, emailSubject, icingaText, nagiosText } from '../../src/services/alerts/messages'
import { FINDING_ORDER, FINDINGS, NAGIOS_CODE, worstStatus } from '../../src/services/alerts/status'
import { cell, code, table } from './markdown'

export function statusMapping(): string {
  return table(
    ['finding', 'status', 'e-mail section', 'in summaries'],
    FINDING_ORDER.map(kind => [code(kind), `**${FINDINGS[kind].status}**`, cell(FINDINGS[kind].title), cell(FINDINGS[kind].short)])
  )
}

const PRODUCTION = { id: 'p1', label: 'Production' }
const STAGING = { id: 'p2', label: 'Staging' }

const SAMPLE_FINDINGS: Finding[] = [
  { kind: 'would-not-start', pool: PRODUCTION, subject: 'xcp-prod-2', text: '/etc/xapi.conf.d/backup.d is a directory: XAPI exits with status 1. Move it out of /etc/xapi.conf.d.' },
  {
    kind: 'hsts-danger',
    pool: STAGING,
    subject: 'xcp-stg-1',
    text: '(xcp-stg-1.example.org) Lockout risk: HSTS is on (max-age=600, 600 s) but browsers will not trust the certificate (self-signed), …',
  },
  { kind: 'drift', pool: PRODUCTION, subject: 'Production', text: '`pending_task_timeout`: xcp-prod-1 = 172800 (48 h), xcp-prod-2 = 86400 (24 h) (default)' },
]

function sampleAssessment(): Assessment {
  const status = worstStatus(SAMPLE_FINDINGS.map(finding => FINDINGS[finding.kind].status))
  const row = { unreachable: 0, driftingKeys: 0, nonCompliant: 0, wouldNotStart: 0 }
  return {
    status,
    pools: [
      { ...PRODUCTION, ...row, status: 'CRITICAL', hosts: 3, wouldNotStart: 1, driftingKeys: 1, hsts: { ok: 3 } },
      { ...STAGING, ...row, status: 'CRITICAL', hosts: 2, hsts: { danger: 1, off: 1 } },
    ],
    findings: SAMPLE_FINDINGS,
    reapplyOff: false,
  }
}

export function sampleMessages(): string {
  const message = { startedAt: '2026-12-04T03:00:00.000Z', assessment: sampleAssessment() }
  const nagios = nagiosText(message)
  const fence = (text: string, lang = 'text') => `\`\`\`${lang}\n${text.trimEnd()}\n\`\`\``
  return [
    `**E-mail** (\`xo.sendEmail({ to, subject, markdown })\`), subject \`${emailSubject(message)}\`:`,
    fence(emailMarkdown(message), 'markdown'),
    '**Slack/Mattermost** (`xo.sendSlackMessage({ message })`):',
    fence(chatText(message, 'slack')),
    '**XMPP** (`xo.sendToXmppClient({ to, message })`): the same text without `*` markup.',
    `**Nagios** (\`xo.sendPassiveCheck({ message, status: ${NAGIOS_CODE[message.assessment.status]} }, nagiosHost, nagiosService)\`):`,
    fence(nagios),
    `**Icinga2** (\`xo.sendIcinga2Status({ message, status: '${message.assessment.status}' })\`):`,
    fence(icingaText(message)),
  ].join('\n\n')
}
