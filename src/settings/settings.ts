import Ajv from 'ajv'
import { invalidParameters } from '../xo/errors'
import { configurationSchema } from './schema'

export type SshAuthentication = 'generated-key' | 'password'
export type HostKeyPolicy = 'pin-on-first-use' | 'listed-only'

export interface DesiredDropInSetting {
  pools: string[]
  file: string
  settings: string
  expert: boolean
}

export interface Settings {
  ssh: {
    authentication: SshAuthentication
    username: string
    password?: string
    hostKeyPolicy: HostKeyPolicy
    hostKeyFingerprints: string[]
  }
  concurrency: number
  idleConnections: number
  timeouts: { connect: number; command: number; restart: number; https: number; idle: number }
  trustedCertificates?: string
  desired: DesiredDropInSetting[]
  audit: {
    enabled: boolean
    schedule: string
    timezone: string
    reapply: boolean
    checkHsts: boolean
    notify: string[]
  }
}

// Same options as xo-server's plugin validator, so defaults are filled in exactly as there.
const ajv = new Ajv({ strict: 'log', strictRequired: false, useDefaults: true })
ajv.addVocabulary(['$multiline', '$type', 'enumNames'])
const validate = ajv.compile(configurationSchema)

/** Validates a configuration and returns it with every default filled in (the input is not modified). */
export function parseSettings(configuration: unknown): Settings {
  const settings = structuredClone(configuration ?? {})
  if (!validate(settings)) {
    invalidParameters(validate.errors ?? [])
  }
  return settings as Settings
}
