// Bounds and escapes for alert texts: whatever the fleet's size, a message stays small, and a label or
// an error message from a host cannot inject markup into an e-mail or a chat message.

/** `text` cut to `max` characters, ending with `…` when cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`
}

/** The first `max` lines, then one line saying how many were left out. */
export function firstLines(lines: readonly string[], max: number, more: (count: number) => string): string[] {
  return lines.length <= max ? [...lines] : [...lines.slice(0, max), more(lines.length - max)]
}

/** One line: control characters (line breaks included) become spaces. */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ')
}

/** What both HTML (transport-email's Markdown) and Slack's mrkdwn read as markup. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** A label inside Markdown emphasis or a table cell. */
export function escapeMarkdown(text: string): string {
  return escapeHtml(oneLine(text)).replace(/[\\`*_[\]|]/g, match => `\\${match}`)
}

/** NSCA carries bytes (transport-nagios writes them as Latin-1): anything else becomes `?`. */
export function ascii(text: string): string {
  return oneLine(text).replace(/[^\x20-\x7e]/g, '?')
}

/** Error messages without what could be a secret: a URL keeps only its scheme and host (no user, password, path or query). */
export function redactUrls(text: string): string {
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi, url => {
    try {
      const { protocol, host } = new URL(url)
      return `${protocol}//${host}/…`
    } catch {
      return '<url>'
    }
  })
}
