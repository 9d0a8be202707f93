// The plugin's logger, in xo-server's log namespace convention (`xo:<package>`): it goes wherever the
// admin routed xo-server's logs. Never pass a secret to it.
import { createLogger } from '@xen-orchestra/log'

export const logger = createLogger('xo:xo-server-xapi-config')

export function logWarning(message: string, error?: unknown): void {
  logger.warn(message, error === undefined ? undefined : { error })
}
