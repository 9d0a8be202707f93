// What a loaded plugin holds: its settings, its host access and its services. Built by load(),
// closed by unload(). Data flows one way: API method → service → host access.
import type { Settings } from './settings/settings'
import type { XoApp } from './xo/types'
import { logWarning } from './log'
import { createServices, type Services } from './services'

export interface Runtime {
  xo: XoApp
  settings: Settings
  dataDir: string
  services: Services
  /** Starts what runs on its own (schedules, listeners); returns their removers. */
  start(): Array<() => void | Promise<void>>
  close(): Promise<void>
}

export async function createRuntime(xo: XoApp, settings: Settings, dataDir: string): Promise<Runtime> {
  const { services, start, close } = await createServices({ xo, settings, dataDir, log: logWarning })
  return { xo, settings, dataDir, services, start, close }
}
