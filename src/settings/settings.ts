import Ajv from 'ajv'
import { invalidParameters } from '../xo/errors'
import { configurationSchema, LEGACY_AUDIT_SWITCHES } from './schema'

export type SshAuthentication = 'generated-key' | 'password'
export type HostKeyPolicy = 'pin-on-first-use' | 'listed-only'

export interface DesiredDropInSetting {
  pools: string[]
  file: string
  settings: string
  expert: boolean
  allowUntrustedCertificate?: boolean
}

export interface Settings {
  ssh: {
    authentication: SshAuthentication
    username: string
    password?: string
    hostKeyPolicy: HostKeyPolicy
    hostKeyFingerprints: string[]
  }
  sshThroughXapi: {
    enableWhenDisabled: boolean
    timeoutMinutes: number
    closedPools: string[]
  }
  concurrency: number
  idleConnections: number
  timeouts: { connect: number; command: number; restart: number; https: number; idle: number; alert: number }
  trustedCertificates?: string
  desired: DesiredDropInSetting[]
  audit: {
    paused: boolean
    schedule: string
    timezone: string
    reapply: boolean
    skipHsts: boolean
    notify: string[]
    xmpp: string[]
    slack: boolean
    allClear: boolean
    nagios: boolean
    nagiosHost: string
    nagiosService: string
    icinga2: boolean
  }
}

// Same options as xo-server's plugin validator, so defaults are filled in exactly as there.
const ajv = new Ajv({ strict: 'log', strictRequired: false, useDefaults: true })
ajv.addVocabulary(['$multiline', '$type', 'enumNames'])
const validate = ajv.compile(configurationSchema)

/** Validates a configuration and returns it with every default filled in (the input is not modified). */
export function parseSettings(configuration: unknown): Settings {
  const settings = structuredClone(configuration ?? {}) as Record<string, unknown>
  renameLegacySwitches(settings.audit)
  if (!validate(settings)) {
    invalidParameters(validate.errors ?? [])
  }
  const { audit } = settings as unknown as Settings
  audit.paused ??= false
  audit.skipHsts ??= false
  return settings as unknown as Settings
}

/**
 * A stored `enabled` or `checkHsts` of an earlier version becomes `paused` or `skipHsts` with the opposite
 * value, unless the new switch is set too (the form shows the new one, so it wins).
 */
function renameLegacySwitches(audit: unknown): void {
  if (typeof audit !== 'object' || audit === null) {
    return
  }
  const switches = audit as Record<string, unknown>
  for (const [legacy, current] of Object.entries(LEGACY_AUDIT_SWITCHES)) {
    if (typeof switches[legacy] === 'boolean') {
      switches[current] ??= !switches[legacy]
      delete switches[legacy]
    }
  }
}
