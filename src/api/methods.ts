// Every API method of the plugin, by concern.
import type { Runtime } from '../runtime'
import { logger } from '../log'
import { inOperation, type ClosingReport } from '../ssh/operation'
import { toXoError } from '../xo/errors'
import { userName } from '../xo/users'
import type { MethodDefinition, MethodTable } from './define'
import { dropInMethods } from './dropins'
import { hostMethods } from './hosts'
import { hstsMethods } from './hsts'
import { restartMethods } from './restart'
import { rolloutMethods } from './rollout'

export function buildMethods({ services, xo }: Runtime): MethodTable {
  return withXoErrors({
    ...hostMethods(services),
    ...dropInMethods(services.dropIns, services.rollout),
    ...rolloutMethods(services.rollout),
    ...restartMethods(services.restart),
    ...hstsMethods(services.hsts, xo),
  })
}

/** Every method, JSON-RPC and REST, answers with an XO error: an unexpected one becomes a one-line operationFailed. */
function withXoErrors(methods: MethodTable): MethodTable {
  return Object.fromEntries(
    Object.entries(methods).map(([name, definition]) => [
      name,
      {
        ...definition,
        async handler(params, context) {
          let closings: ClosingReport[] = []
          try {
            return await inOperation(() => definition.handler(params, context), {
              by: userName(context.user),
              why: `xapiConfig.${name}`,
              onClosed: (reports, result) => {
                closings = reports
                reportClosings(reports, result)
              },
            })
          } catch (error) {
            const xoError = toXoError(error, name, (message, cause) => logger.error(message, { error: cause }))
            reportClosings(closings, (xoError as { data?: unknown }).data)
            throw xoError
          }
        },
      } satisfies MethodDefinition,
    ])
  )
}

/**
 * Hosts whose SSH was enabled for the call, and whether it was put back, in the result (a plain object)
 * or the error's data: a host left open must be seen by whoever called.
 */
function reportClosings(reports: ClosingReport[], result: unknown): void {
  if (reports.length !== 0 && typeof result === 'object' && result !== null && !Array.isArray(result)) {
    Object.assign(result, { sshOpened: reports })
  }
}
