// One definition per API method: its description, its params in XO's JSON-schema dialect (required
// unless `optional`, no extra properties, non-empty strings), its documentation and its handler. The
// same definitions feed xo-server's JSON-RPC registry (`addApiMethods`), the REST routes and the
// reference docs (`npm run docs`: docs/api.md and the README's table).
import type { ApiNamespace, XoApp, XoUser } from '../xo/types'

export interface CallContext {
  /** The signed-in user who called, for the journal and the logs. */
  user?: XoUser
}

/** The errors a method may fail with (beyond a bad param and a non-admin caller), and when. */
export type MethodErrors = Array<[name: 'forbiddenOperation' | 'incorrectState' | 'noSuchObject' | 'operationFailed' | 'SSH error', when: string]>

/** What the generated docs say beyond the description and params (markdown). */
export interface MethodDoc {
  /** One line for the README's table of methods. */
  summary: string
  /** One xo-cli call that works as written, with `<pool uuid>`, `<host uuid>` or `<change id>` to fill in. */
  example: string
  /** The result's shape. */
  result: string
  errors: MethodErrors
  /** The guide in docs/ that explains the concepts behind the method. */
  guide: string
}

export interface MethodDefinition<P = any> {
  description: string
  params: Record<string, unknown>
  doc: MethodDoc
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
      { description: definition.description, params: detachedParams(definition.params), permission: 'admin' },
    ]
  }
  return { [NAMESPACE]: namespace }
}

/**
 * A copy of a method's params that shares no object between two places. Definitions reuse param objects
 * (one `allowUntrustedCertificate` in several forms), and xo-server's schema conversion deletes `optional`
 * from each property in place after cloning with lodash's cloneDeep, which keeps shared objects shared: the
 * second place would become required.
 */
export function detachedParams(params: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(params))
}
