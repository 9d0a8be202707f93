// XAPI's API errors: a code and string parameters (Api_errors.Server_error).

export class XapiError extends Error {
  constructor(
    readonly code: string,
    readonly params: string[] = []
  ) {
    super(`${code}(${params.join(', ')})`)
  }
}

export const handleInvalid = (cls: string, ref: string) => new XapiError('HANDLE_INVALID', [cls, ref])
export const sessionInvalid = (ref: string) => new XapiError('SESSION_INVALID', [ref])
export const hostIsSlave = (masterAddress: string) => new XapiError('HOST_IS_SLAVE', [masterAddress])
export const methodUnknown = (method: string) => new XapiError('MESSAGE_METHOD_UNKNOWN', [method])
export const parameterCountMismatch = (method: string, expected: number, received: number) =>
  new XapiError('MESSAGE_PARAMETER_COUNT_MISMATCH', [method, String(expected), String(received)])
