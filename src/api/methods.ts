// Every API method of the plugin, by concern.
import type { Runtime } from '../runtime'
import { logger } from '../log'
import { toXoError } from '../xo/errors'
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
          try {
            return await definition.handler(params, context)
          } catch (error) {
            throw toXoError(error, name, (message, cause) => logger.error(message, { error: cause }))
          }
        },
      } satisfies MethodDefinition,
    ])
  )
}
