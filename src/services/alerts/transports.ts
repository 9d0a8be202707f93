// XO's transport plugins, as the audit reaches them. Each plugin, when loaded, defines one method on
// `xo` (xo.defineProperty); the shapes below are those of xen-orchestra's packages/xo-server-transport-*:
//   sendEmail({ to, subject, markdown })                  transport-email renders the Markdown as HTML
//   sendSlackMessage({ message })                         transport-slack posts `message` as the text
//   sendToXmppClient({ to, message })                     transport-xmpp; `to` is a list of JIDs; returns nothing
//   sendPassiveCheck({ message, status }, host, service)  transport-nagios; `status` 0/1/2(/3); host and
//                                                         service fill its `{vm.name_label}` and `{job.name}`
//   sendIcinga2Status({ message, status })                transport-icinga2; `status` 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN'
import type { Settings } from '../../settings/settings'
import type { XoApp } from '../../xo/types'
import { chatText, emailMarkdown, emailSubject, icingaText, nagiosLine, nagiosText, type AuditMessage } from './messages'
import { NAGIOS_CODE, type AlertStatus } from './status'

export type TransportName = 'email' | 'slack' | 'xmpp' | 'nagios' | 'icinga2'

type AuditSettings = Settings['audit']

/** What is sent: a report, or (monitoring only) the UNKNOWN status of a run that failed, with its text. */
export type Alert = { kind: 'report'; message: AuditMessage } | { kind: 'failure'; text: string }

export interface Transport {
  name: TransportName
  /** The plugin an admin loads in Settings > Plugins. */
  plugin: string
  method: keyof TransportMethods
  /** Monitoring transports get every run, so that their check does not go stale. */
  monitoring: boolean
  chosen(audit: AuditSettings): boolean
  send(methods: TransportMethods, alert: Alert, audit: AuditSettings): Promise<unknown>
}

/** The methods the transport plugins define on `xo` (each absent while its plugin is not loaded). */
export interface TransportMethods {
  sendEmail(message: { to: string[]; subject: string; markdown: string }): Promise<unknown>
  sendSlackMessage(message: { message: string }): Promise<unknown>
  sendToXmppClient(message: { to: string[]; message: string }): unknown
  sendPassiveCheck(check: { message: string; status: number }, host: string, service: string): Promise<unknown>
  sendIcinga2Status(status: { message: string; status: AlertStatus }): Promise<unknown>
}

const statusOf = (alert: Alert): AlertStatus => (alert.kind === 'report' ? alert.message.assessment.status : 'UNKNOWN')

export const TRANSPORTS: readonly Transport[] = [
  {
    name: 'email',
    plugin: 'transport-email',
    method: 'sendEmail',
    monitoring: false,
    chosen: audit => audit.notify.length !== 0,
    send: async (xo, alert, audit) =>
      alert.kind === 'report' && xo.sendEmail({ to: audit.notify, subject: emailSubject(alert.message), markdown: emailMarkdown(alert.message) }),
  },
  {
    name: 'slack',
    plugin: 'transport-slack',
    method: 'sendSlackMessage',
    monitoring: false,
    chosen: audit => audit.slack,
    send: async (xo, alert) => alert.kind === 'report' && xo.sendSlackMessage({ message: chatText(alert.message, 'slack') }),
  },
  {
    name: 'xmpp',
    plugin: 'transport-xmpp',
    method: 'sendToXmppClient',
    monitoring: false,
    chosen: audit => audit.xmpp.length !== 0,
    send: async (xo, alert, audit) => alert.kind === 'report' && xo.sendToXmppClient({ to: audit.xmpp, message: chatText(alert.message, 'plain') }),
  },
  {
    name: 'nagios',
    plugin: 'transport-nagios',
    method: 'sendPassiveCheck',
    monitoring: true,
    chosen: audit => audit.nagios,
    send: (xo, alert, audit) =>
      xo.sendPassiveCheck(
        { message: alert.kind === 'report' ? nagiosText(alert.message) : nagiosLine(alert.text), status: NAGIOS_CODE[statusOf(alert)] },
        audit.nagiosHost,
        audit.nagiosService
      ),
  },
  {
    name: 'icinga2',
    plugin: 'transport-icinga2',
    method: 'sendIcinga2Status',
    monitoring: true,
    chosen: audit => audit.icinga2,
    send: (xo, alert) => xo.sendIcinga2Status({ message: alert.kind === 'report' ? icingaText(alert.message) : alert.text, status: statusOf(alert) }),
  },
]

/** Whether the plugin behind `transport` is loaded now. */
export function isPresent(xo: XoApp, transport: Transport): boolean {
  return (xo as unknown as Partial<TransportMethods>)[transport.method] !== undefined
}

/** The transports chosen in the settings whose plugin is not loaded: what the plugin's test reports. */
export function missingTransports(xo: XoApp, audit: AuditSettings): Transport[] {
  return TRANSPORTS.filter(transport => transport.chosen(audit) && !isPresent(xo, transport))
}

export function describeMissing(missing: readonly Transport[]): string {
  return (
    `the scheduled audit sends alerts through ${missing.map(transport => transport.plugin).join(', ')}, ` +
    'not loaded: load it in Settings > Plugins, or untick it in this plugin\'s audit settings'
  )
}
