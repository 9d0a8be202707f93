// GET on XAPI's web server (fileserver.ml `send_file "/" web_dir`): the files of
// /opt/xensource/www — XO Lite's page on GET / — with the strict-transport-security header
// when hsts_max_age >= 0. External plain HTTP is refused (website-https-only = true) or
// redirected to HTTPS when the request names a Host.
import * as fs from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import * as path from 'node:path'

import type { XapiSettings } from '../conf/settings'
import { CLOSE_HEADERS, escapeHtml, forbidden } from './responses'

const MIME_TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.htm': 'text/html',
  '.js': 'application/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/vnd.microsoft.icon',
  '.woff2': 'font/woff2',
}

export interface FileRequest {
  req: IncomingMessage
  res: ServerResponse
  /** The request came through TLS (stunnel on 443). */
  secure: boolean
  wwwDir: string
  settings: XapiSettings
}

export function sendFile({ req, res, secure, wwwDir, settings }: FileRequest): void {
  const requestPath = decodedPath(req.url ?? '/')
  if (!secure && settings.websiteHttpsOnly) return forbidden(res)
  if (!secure && req.headers.host !== undefined) {
    res.writeHead(301, 'Moved Permanently', { location: `https://${req.headers.host}${requestPath}`, 'content-length': 0 })
    res.end()
    return
  }
  const filePath = path.posix.normalize(`${wwwDir}/${requestPath.slice(1)}`)
  if (!filePath.startsWith(wwwDir)) return forbidden(res)
  try {
    const target = fs.statSync(filePath).isDirectory() ? `${filePath}/index.html` : filePath
    const content = fs.readFileSync(target)
    const hsts = settings.hstsMaxAge < 0n ? {} : { 'strict-transport-security': `max-age=${settings.hstsMaxAge}` }
    res.writeHead(200, 'OK', {
      'content-length': content.length,
      connection: 'keep-alive',
      ...hsts,
      'content-type': MIME_TYPES[path.extname(target).toLowerCase()] ?? 'application/octet-stream',
    })
    res.end(content)
  } catch {
    notFound(res, requestPath)
  }
}

function notFound(res: ServerResponse, uri: string): void {
  const body =
    '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN"> <html><head> <title>404 Not Found</title> </head>' +
    `<body> <h1>Not Found</h1> <p>The requested URL ${escapeHtml(uri)} was not found on this server.</p> ` +
    '<hr><address>Xapi Server</address></body></html>'
  res.writeHead(404, 'Not Found', { ...CLOSE_HEADERS, 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

function decodedPath(url: string): string {
  const pathname = url.split('?')[0] ?? '/'
  try {
    return decodeURIComponent(pathname)
  } catch {
    return pathname
  }
}
