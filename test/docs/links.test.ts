// The README and docs/ as a newcomer reads them: the README stays short, and every link between the
// pages leads to a file and a heading that exist.
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

const REPOSITORY = join(__dirname, '..', '..')
const README_MAX_LINES = 300

const pages = () => ['README.md', ...readdirSync(join(REPOSITORY, 'docs')).filter(name => name.endsWith('.md')).map(name => `docs/${name}`)]

/** Markdown outside fenced code blocks. */
const prose = (text: string) => text.replace(/^```[^]*?^```/gm, '')

/** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as dashes, repeats numbered. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>()
  for (const [, title] of prose(markdown).matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = title.toLowerCase().replace(/[^\p{L}\p{N}\- _]/gu, '').replace(/ /g, '-')
    let anchor = slug
    for (let n = 1; anchors.has(anchor); n++) anchor = `${slug}-${n}`
    anchors.add(anchor)
  }
  return anchors
}

/** Links to pages of the repository: `[text](path#anchor)`, not web addresses. */
const localLinks = (markdown: string) =>
  [...prose(markdown).matchAll(/\]\(([^)\s]+)\)/g)].map(match => match[1]).filter(target => !/^[a-z]+:/.test(target))

describe('README and docs/', function () {
  it(`keep the README under ${README_MAX_LINES} lines: details belong in docs/`, function () {
    const lines = readFileSync(join(REPOSITORY, 'README.md'), 'utf8').trimEnd().split('\n').length
    assert.ok(lines <= README_MAX_LINES, `README.md has ${lines} lines: move details to a page of docs/ and link it`)
  })

  for (const page of pages()) {
    it(`${page}: every link leads to a page and a heading that exist`, function () {
      const broken = localLinks(readFileSync(join(REPOSITORY, page), 'utf8')).filter(target => {
        const [path, anchor] = target.split('#')
        const file = path === '' ? join(REPOSITORY, page) : join(REPOSITORY, dirname(page), path)
        if (!existsSync(file)) return true
        return anchor !== undefined && file.endsWith('.md') && !headingAnchors(readFileSync(file, 'utf8')).has(anchor)
      })
      assert.deepEqual(broken, [], `${page} links to pages or headings that do not exist`)
    })
  }

  it('finds the anchors GitHub makes, repeated headings included', function () {
    const anchors = headingAnchors('# `xapi-conf`: the linter\n## Errors\n```\n# not a heading\n```\n### Errors\n## What a restart does (§5)\n')
    assert.deepEqual([...anchors], ['xapi-conf-the-linter', 'errors', 'errors-1', 'what-a-restart-does-5'])
  })
})
