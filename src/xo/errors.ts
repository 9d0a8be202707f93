// xo-common's api-errors, typed: each factory throws an XoError that xo-server maps to JSON-RPC and
// REST (invalidParameters 422, forbiddenOperation 403, incorrectState 409, noSuchObject 404).
import type { ErrorObject } from 'ajv'
import * as apiErrors from 'xo-common/api-errors'

interface ErrorFactory<A extends unknown[]> {
  (...args: A): never
  is(error: unknown, predicate?: unknown): boolean
}

/**
 * One entry of invalidParameters' `data.errors`, shaped as xo-server's own (Ajv) errors, which xo-cli,
 * xo-web and REST clients print (xo-cli reads `instancePath` of every entry), plus the plugin's fields.
 */
export interface ParamError {
  /** JSON pointer of the param, as Ajv gives it: `/settings/pending_task_timeout`; `''` for the whole call. */
  instancePath: string
  message: string
  /** What kind of check failed, as Ajv's keyword does (`type`, `required`…; the plugin's own: `xapiConfig`…). */
  keyword: string
  params: Record<string, unknown>
  [field: string]: unknown
}

const errors = apiErrors as unknown as {
  invalidParameters: ErrorFactory<[message: string | ErrorObject[], errors?: ParamError[]]>
  forbiddenOperation: ErrorFactory<[operation: string, reason: string]>
  incorrectState: ErrorFactory<[state: { actual?: unknown; expected?: unknown; object?: string; property?: string }]>
  noSuchObject: ErrorFactory<[id: string, type?: string]>
  operationFailed: ErrorFactory<[data: { objectId: string; code: string }]>
}

export const { invalidParameters, forbiddenOperation, incorrectState, noSuchObject, operationFailed } = errors

/** The JSON-RPC shape of an XO error, or a plain message, for per-host error rows. */
export function describeError(error: unknown): { code?: number | string; message: string; data?: unknown } {
  if (error instanceof Error) {
    const { code, data } = error as Error & { code?: number | string; data?: unknown }
    return { code, message: error.message, data }
  }
  return { message: String(error) }
}

/**
 * A ParamError for the param at `property` (dotted, e.g. `settings.pending_task_timeout`; `''` for the
 * whole call). `property` stays as a field too; `keyword` defaults to `xapiConfig`.
 */
export function paramError(
  property: string,
  message: string,
  { keyword = 'xapiConfig', params = {}, ...fields }: { keyword?: string; params?: Record<string, unknown>; [field: string]: unknown } = {},
): ParamError {
  const instancePath = property === '' ? '' : '/' + property.split('.').map(escapePointerToken).join('/')
  return { instancePath, message, keyword, params, ...(property === '' ? {} : { property }), ...fields }
}

function escapePointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1')
}

/** Throws the error `raise` throws, its message completed with `details` and its data with `data`. */
export function throwDetailed(raise: () => never, details: string, data: Record<string, unknown>): never {
  try {
    raise()
  } catch (error) {
    const xoError = error as Error & { data?: Record<string, unknown> }
    xoError.message = `${xoError.message}: ${details}`
    xoError.data = { ...xoError.data, ...data }
    throw xoError
  }
}

const MAX_MESSAGE = 300

/** An XO error (it has a numeric code and a JSON-RPC form) goes through as is. */
function isXoError(error: unknown): boolean {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'number' && 'toJsonRpcError' in error
}

/**
 * What an admin sees of an unexpected error (EISDIR, a bug): an XO `operationFailed` with a one-line
 * message; the stack goes to the log only, through `log`.
 */
export function toXoError(error: unknown, operation: string, log: (message: string, error: unknown) => void): unknown {
  if (isXoError(error)) {
    return error
  }
  log(`xapiConfig.${operation} failed unexpectedly`, error)
  const { code, message } = describeError(error)
  const line = `${code === undefined ? '' : `${code}: `}${message}`.replace(/\s+/g, ' ').trim()
  const short = line.length <= MAX_MESSAGE ? line : `${line.slice(0, MAX_MESSAGE)}…`
  try {
    throwDetailed(() => operationFailed({ objectId: operation, code: typeof code === 'string' ? code : 'INTERNAL_ERROR' }), `${short} (details in xo-server's log)`, {})
  } catch (xoError) {
    return xoError
  }
}
