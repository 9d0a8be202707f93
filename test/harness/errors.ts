// xo-common's api-errors, typed for the harness. Every factory throws an XoError (code, message, data);
// `.is(error, predicate?)` recognises one, as xo-server's REST error handler does.
import * as apiErrors from 'xo-common/api-errors'

export interface ErrorFactory<A extends unknown[]> {
  (...args: A): never
  is(error: unknown, predicate?: unknown): boolean
}

/** The shape xo-common gives its errors (and the JSON-RPC error object built from them). */
export interface XoError extends Error {
  code: number
  data?: unknown
  toJsonRpcError(): { message: string; code: number; data?: unknown }
}

const errors = apiErrors as unknown as {
  featureUnauthorized: ErrorFactory<[data: Record<string, unknown>]>
  forbiddenOperation: ErrorFactory<[operation: string, reason?: string]>
  incorrectState: ErrorFactory<[state: { actual?: unknown; expected?: unknown; object?: string; property?: string }]>
  invalidCredentials: ErrorFactory<[]>
  invalidParameters: ErrorFactory<[message?: string | unknown[], errors?: unknown[]]>
  noSuchObject: ErrorFactory<[id?: string, type?: string | string[]]>
  notImplemented: ErrorFactory<[]>
  objectAlreadyExists: ErrorFactory<[data: { objectId: string; objectType: string }]>
  /** Absent from xo-common 0.9.0 (the registry's latest), present in xo-server's own copy. */
  serviceUnavailable: ErrorFactory<[data: { serviceName: string }]> | undefined
  unauthorized: ErrorFactory<[permission?: string | null, objectId?: string, objectType?: string]>
  hostOffline: ErrorFactory<[data: { host: string }]>
  noHostsAvailable: ErrorFactory<[]>
  authenticationFailed: ErrorFactory<[]>
  serverUnreachable: ErrorFactory<[objectId?: string]>
  operationBlocked: ErrorFactory<[data: { objectId: string; code: string }]>
  notSupportedDuringUpgrade: ErrorFactory<[]>
}

export const {
  featureUnauthorized,
  forbiddenOperation,
  incorrectState,
  invalidCredentials,
  invalidParameters,
  noSuchObject,
  notImplemented,
  objectAlreadyExists,
  serviceUnavailable,
  unauthorized,
  hostOffline,
  noHostsAvailable,
  authenticationFailed,
  serverUnreachable,
  operationBlocked,
  notSupportedDuringUpgrade,
} = errors

/** An error that knows its JSON-RPC form: XO errors, and JSON-RPC's own (method not found…). */
export function isJsonRpcError(error: unknown): error is XoError {
  return error instanceof Error && typeof (error as Partial<XoError>).toJsonRpcError === 'function'
}
