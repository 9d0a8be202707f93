// Builds every service of the plugin from the settings. Each service owns one concern; they share the
// host access (SSH) and the XO app.
import type { Settings } from '../settings/settings'
import type { XoApp } from '../xo/types'

export interface ServiceDeps {
  xo: XoApp
  settings: Settings
  dataDir: string
}

export interface Services {
  hosts: { test(hostId: string): Promise<unknown> }
}

export async function createServices(deps: ServiceDeps): Promise<{
  services: Services
  start(): Array<() => void | Promise<void>>
  close(): Promise<void>
}> {
  throw new Error(`services are wired once the SSH access lands (${deps.dataDir})`)
}
