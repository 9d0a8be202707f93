// xo-common's api-errors, typed: each factory throws an XoError that xo-server maps to JSON-RPC and
// REST (invalidParameters 422, forbiddenOperation 403, incorrectState 409, noSuchObject 404).
import * as apiErrors from 'xo-common/api-errors'

interface ErrorFactory<A extends unknown[]> {
  (...args: A): never
  is(error: unknown, predicate?: unknown): boolean
}

const errors = apiErrors as unknown as {
  invalidParameters: ErrorFactory<[message: string | unknown[], errors?: unknown[]]>
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
