// The effective configuration values the simulated XAPI acts on.
import type { ConfValue } from './read-config'

export interface XapiSettings {
  /** `hsts_max_age`: < 0 sends no strict-transport-security header. */
  hstsMaxAge: bigint
  /** Seconds; NaN or infinite disables the pending-task GC, as in XAPI. */
  pendingTaskTimeout: number
  completedTaskTimeout: number
  disableWebserver: boolean
  websiteHttpsOnly: boolean
  /** Host path of the init-complete cookie (`writeinitcomplete`). */
  initCompleteCookie: string
}

export function settingsOf(values: ReadonlyMap<string, ConfValue>): XapiSettings {
  return {
    hstsMaxAge: values.get('hsts_max_age') as bigint,
    pendingTaskTimeout: values.get('pending_task_timeout') as number,
    completedTaskTimeout: values.get('completed_task_timeout') as number,
    disableWebserver: values.get('disable-webserver') as boolean,
    websiteHttpsOnly: values.get('website-https-only') as boolean,
    initCompleteCookie: Buffer.from(values.get('writeinitcomplete') as string, 'latin1').toString('utf8'),
  }
}
