// XAPI's canned HTML responses (http_svr.ml): each closes the connection.
import type { ServerResponse } from 'node:http'

export const escapeHtml = (text: string) =>
  text.replace(/[<>'"&]/g, char => ({ '<': '&lt;', '>': '&gt;', "'": '&apos;', '"': '&quot;', '&': '&amp;' })[char]!)

export const CLOSE_HEADERS = { connection: 'close', 'cache-control': 'no-cache, no-store' }

/** `response_error_html`: status, text/html body, connection closed. */
export function htmlError(res: ServerResponse, code: number, reason: string, body: string): void {
  res.writeHead(code, reason, { 'content-type': 'text/html', ...CLOSE_HEADERS, 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

export const forbidden = (res: ServerResponse) =>
  htmlError(res, 403, 'Forbidden', '<html><body><h1>HTTP 403 forbidden</h1>Access to the requested resource is forbidden.</body></html>')

export const methodNotImplementedBody = (method: string) =>
  `<html><body><h1>HTTP 501 Method Not Implemented</h1><p>${method} not supported.<br /></p></body></html>`

export const methodNotImplemented = (res: ServerResponse, method: string) =>
  htmlError(res, 501, 'Method not implemented', methodNotImplementedBody(method))

export function internalError(res: ServerResponse, extra?: string): void {
  const additional = extra === undefined ? '' : `<h1> Additional information </h1>${extra}`
  const body =
    '<html><body><h1>HTTP 500 internal server error</h1>An unexpected error occurred; please wait a while ' +
    `and try again. If the problem persists, please contact your support representative.${additional}</body></html>`
  htmlError(res, 500, 'Internal Error', body)
}
