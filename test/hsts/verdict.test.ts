import assert from 'node:assert/strict'
import { readStsHeaders } from '../../src/services/hsts/header'
import type { TrustJudgement } from '../../src/services/hsts/trust'
import {
  judgeHsts,
  supportsHsts,
  type ConfiguredHsts,
  type ServedResponse,
  type VerdictInput,
} from '../../src/services/hsts/verdict'

const TRUSTED: TrustJudgement = { trusted: true, problems: [] }
const SELF_SIGNED: TrustJudgement = { trusted: false, problems: [{ reason: 'self-signed', detail: 'it is self-signed' }] }
const NOT_READ: ConfiguredHsts = { state: 'unknown', reason: 'SSH is not configured' }

function served(sts: string[], trust = TRUSTED, status = 200): ServedResponse {
  const rawHeaders = sts.flatMap(value => ['Strict-Transport-Security', value])
  return { reachable: true, status, header: readStsHeaders(rawHeaders), trust }
}

function judge(input: Partial<VerdictInput> & Pick<VerdictInput, 'served'>) {
  return judgeHsts({ address: 'host1.example.org', xapiVersion: '26.1.3', configured: NOT_READ, ...input })
}

describe('HSTS verdicts', () => {
  it('ok: a positive max-age with a trusted certificate', () => {
    const { verdict, explanation } = judge({ served: served(['max-age=31536000']) })
    assert.equal(verdict, 'ok')
    assert.match(explanation, /max-age=31536000, 1 year/)
    assert.doesNotMatch(explanation, /DNS name/)
  })

  it('ok by IP address notes that browsers apply HSTS only to names', () => {
    assert.match(judge({ address: '192.0.2.10', served: served(['max-age=600']) }).explanation, /only when the host is opened by a DNS name/)
  })

  it('off: no header, with advice that depends on the certificate', () => {
    const trusted = judge({ served: served([]) })
    assert.equal(trusted.verdict, 'off')
    assert.match(trusted.explanation, /enable it with setHsts/)
    const untrusted = judge({ served: served([], SELF_SIGNED) })
    assert.equal(untrusted.verdict, 'off')
    assert.match(untrusted.explanation, /make the certificate trusted before enabling it \(self-signed\)/)
  })

  it('off: a malformed header, which browsers ignore', () => {
    const { verdict, explanation } = judge({ served: served(['max-age=1y']) })
    assert.equal(verdict, 'off')
    assert.match(explanation, /malformed .*`1y`/)
  })

  it('danger: a positive max-age with a certificate browsers will not trust', () => {
    const { verdict, explanation } = judge({ served: served(['max-age=600'], SELF_SIGNED) })
    assert.equal(verdict, 'danger')
    assert.match(explanation, /Lockout risk.*\(self-signed\)/)
  })

  it('danger outranks pending-restart: the header is live now', () => {
    const configured: ConfiguredHsts = { state: 'read', maxAge: -1 }
    assert.equal(judge({ served: served(['max-age=600'], SELF_SIGNED), configured }).verdict, 'danger')
  })

  it('expiring: max-age=0, with a warning when the certificate is not trusted', () => {
    const trusted = judge({ served: served(['max-age=0']) })
    assert.equal(trusted.verdict, 'expiring')
    assert.match(trusted.explanation, /forget/)
    assert.doesNotMatch(trusted.explanation, /fix the certificate/)
    const untrusted = judge({ served: served(['max-age=0'], SELF_SIGNED) })
    assert.equal(untrusted.verdict, 'expiring')
    assert.match(untrusted.explanation, /fix the certificate first/)
  })

  it('pending-restart: the files ask for something else than what XAPI sends', () => {
    const cases: Array<[string[], number]> = [
      [[], 31536000],
      [['max-age=600'], 31536000],
      [['max-age=600'], -1],
      [['max-age=0'], -1],
      [[], 0],
    ]
    for (const [sts, maxAge] of cases) {
      const { verdict, explanation } = judge({ served: served(sts), configured: { state: 'read', maxAge, file: '/etc/xapi.conf.d/zz-xo-xapi-config.conf' } })
      assert.equal(verdict, 'pending-restart', `${sts} vs ${maxAge}`)
      assert.match(explanation, /\/etc\/xapi\.conf\.d\/zz-xo-xapi-config\.conf asks for .* but XAPI sends .*not restarted/)
    }
  })

  it('no pending-restart when the files agree with the header', () => {
    assert.equal(judge({ served: served(['max-age=600']), configured: { state: 'read', maxAge: 600 } }).verdict, 'ok')
    assert.equal(judge({ served: served([]), configured: { state: 'read', maxAge: -5 } }).verdict, 'off')
    assert.equal(judge({ served: served(['max-age=0']), configured: { state: 'read', maxAge: 0 } }).verdict, 'expiring')
  })

  it('not-applicable: no page at / and no header', () => {
    const { verdict, explanation } = judge({ served: served([], TRUSTED, 404), configured: { state: 'read', maxAge: 600 } })
    assert.equal(verdict, 'not-applicable')
    assert.match(explanation, /disable-webserver/)
    assert.equal(judge({ served: served([], TRUSTED, 301) }).verdict, 'not-applicable')
  })

  it('unsupported: XAPI older than 23.16.0, such as XCP-ng 8.2', () => {
    const { verdict, explanation } = judge({
      xapiVersion: '1.249.41',
      served: served([]),
      configured: { state: 'read', maxAge: 600 },
    })
    assert.equal(verdict, 'unsupported')
    assert.match(explanation, /XAPI 1\.249\.41 .*23\.16\.0.*hsts_max_age = 600 in its files has no effect/)
  })

  it('unreachable: the probe failed', () => {
    const { verdict, explanation } = judge({
      served: { reachable: false, error: { code: 'TIMEOUT', message: 'https://h/ did not answer within 10 s' } },
    })
    assert.equal(verdict, 'unreachable')
    assert.match(explanation, /did not answer within 10 s/)
  })

  it('mentions several headers', () => {
    assert.match(judge({ served: served(['max-age=600', 'max-age=0']) }).explanation, /2 Strict-Transport-Security headers/)
  })

  it('knows which XAPI versions read hsts_max_age', () => {
    assert.equal(supportsHsts('23.9.0'), false)
    assert.equal(supportsHsts('23.16'), true)
    assert.equal(supportsHsts('26.1.3'), true)
    assert.equal(supportsHsts(undefined), undefined)
    assert.equal(supportsHsts('unknown'), undefined)
    assert.equal(supportsHsts('23.16.0'), true)
    assert.equal(supportsHsts('1.249.41'), false)
  })
})
