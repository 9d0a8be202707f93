// Plain-text tables and headings for the demo's output.

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map(row => (row[column] ?? '').length)))
  const line = (cells: string[]) => cells.map((cell, column) => (cell ?? '').padEnd(widths[column])).join('  ').trimEnd()
  return [line(headers), line(widths.map(width => '─'.repeat(width))), ...rows.map(line)].join('\n')
}

export function heading(step: number, title: string): string {
  return `\n━━ ${step}. ${title} ${'━'.repeat(Math.max(0, 70 - title.length))}`
}

export function indent(text: string, prefix = '   '): string {
  return text
    .split('\n')
    .map(line => prefix + line)
    .join('\n')
}
