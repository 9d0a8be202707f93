// One definition per API method: its description, its params in XO's JSON-schema dialect (required
// unless `optional`, no extra properties, non-empty strings) and its handler. The same definitions
// feed xo-server's JSON-RPC registry (`addApiMethods`) and the REST routes.
import type { ApiNamespace, XoApp, XoUser } from '../xo/types'

export interface CallContext {
  /** The signed-in user who called, for the journal and the logs. */
  user?: XoUser
}

export interface MethodDefinition<P = any> {
  description: string
  params: Record<string, unknown>
  handler(params: P, context: CallContext): Promise<unknown>
}

export type MethodTable = Record<string, MethodDefinition>

export const NAMESPACE = 'xapiConfig'

/** Every method of this plugin requires an XO admin: it reads or changes hosts' system files. */
export function toApiNamespace(methods: MethodTable): ApiNamespace {
  const namespace: ApiNamespace = {}
  for (const [name, definition] of Object.entries(methods)) {
    namespace[name] = [
      async function (this: XoApp, params: unknown) {
        return definition.handler(params, { user: this.apiContext?.user })
      },
      { description: definition.description, params: definition.params, permission: 'admin' },
    ]
  }
  return { [NAMESPACE]: namespace }
}
