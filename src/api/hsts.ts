// API methods of the HSTS service: checkHsts and setHsts.
import type { HstsService } from '../services/hsts/service'
import type { XoApp } from '../xo/types'
import type { MethodTable } from './define'
import { allowUntrustedParam, idListParam, poolsParam, restartParam, scopeParams } from './params'
import { createTask } from '../xo/step'

export const CHECK_HSTS_TASK_TYPE = 'xo:xapi-config:check-hsts'

/** The change of `setHsts`, without its scope: the form `rollout` takes it in too. */
export const SET_HSTS_FORM_PARAMS = {
  maxAge: {
    type: ['integer', 'null'],
    minimum: 0,
    maximum: 2147483647,
    description: 'Seconds browsers keep the policy (1 year: 31536000); `null` removes the setting',
  },
  allowUntrustedCertificate: allowUntrustedParam,
  forgetFirst: {
    type: 'boolean',
    optional: true,
    description: 'With `maxAge: null`: send max-age=0 first so that browsers forget the policy; remove it later',
  },
}

export function hstsMethods(hsts: HstsService, xo: XoApp): MethodTable {
  return {
    checkHsts: {
      description:
        'Checks HSTS on every host of the given pools (default: every connected pool) or on the given hosts: ' +
        'GET https://<address>/ without following redirects (XAPI answers HEAD with 501), the Strict-Transport-Security ' +
        'header as received and parsed per RFC 6797, the certificate (trusted by the system CAs or the CAs of the ' +
        'settings, or why not), the hsts_max_age the files configure (over SSH, when configured) and whether XAPI reads ' +
        'it (23.16.0 or later). Each host gets a verdict (ok, off, danger, expiring, pending-restart, not-applicable, ' +
        'unreachable, unsupported) with what to do; pools and the fleet get a summary.',
      params: {
        pools: poolsParam,
        hosts: idListParam('UUIDs of hosts to check, instead of `pools`', { minItems: 1 }),
        waitForFiles: {
          type: 'boolean',
          optional: true,
          description:
            'Wait for every host\'s files over SSH; by default the check waits for them after every host answered over ' +
            'HTTPS as long again as that took (at least 1 s), and lists the hosts whose pending restart could not be judged',
        },
        readFiles: {
          type: 'boolean',
          optional: true,
          description:
            '`false`: no SSH at all, every verdict from what the hosts serve over HTTPS (a quick fleet-wide scan, or hosts ' +
            'without SSH access); whether a restart is pending is then not judged, and those hosts are listed as such. ' +
            'Default `true`: once every host answered over HTTPS, the files are read where they can change a verdict (every host\'s with `waitForFiles`)',
        },
      },
      doc: {
        summary: 'the real HSTS header and certificate trust of every host, with a verdict',
        example: 'xo-cli xapiConfig.checkHsts pools=json:\'["<pool uuid>"]\'',
        result:
          '- `pools`: per pool a `summary` (`3 hosts: 1 danger, 2 ok`), the count of each verdict, and one row per host ' +
          'with `header` (every header as received, and the first parsed as browsers do), `certificate` (subject, ' +
          'issuer, names, validity, SHA-256 fingerprint, whether browsers trust it and why not), `configured` (the ' +
          'effective `hsts_max_age` of the host\'s files and the file it comes from, over SSH, or `unknown`), ' +
          '`configuredMatches`, `xapi` (version, whether it reads the key), `verdict` and `explanation`.\n' +
          '- `summary`, `verdicts` and `attention` (the hosts that need action) for the fleet; `pendingRestartUnjudged` ' +
          '(hosts whose files could not be read in time, so a pending restart could not be judged, and why); `unconnectedServers` ' +
          '(pools XO cannot reach now); `trustStore` (extra CA certificates, warnings); `checkedAt`.\n' +
          'The verdicts (`ok`, `off`, `danger`, `expiring`, `pending-restart`, `not-applicable`, `unreachable`, ' +
          '`unsupported`) and what to do for each: [the HSTS guide](hsts.md#xapiconfigcheckhsts).',
        errors: [['noSuchObject', 'an unknown pool or host']],
        guide: 'hsts.md',
      },
      handler: params => {
        const task = createTask(xo, { name: 'HSTS check', type: CHECK_HSTS_TASK_TYPE })
        return task.run(() => hsts.check(params, (done, total) => task.set('progress', Math.round((done / total) * 100))))
      },
    },
    setHsts: {
      description:
        'Sets hsts_max_age in the managed drop-in of every host of a pool (or of some hosts), through the drop-in ' +
        'service (all or nothing, journaled, revertible). Turning HSTS on is refused for hosts whose certificate ' +
        'browsers will not trust (a lockout risk) unless `allowUntrustedCertificate: true`. `maxAge: null` removes the ' +
        'key (XAPI\'s default: no header); with `forgetFirst: true` it writes max-age=0 instead so that browsers forget ' +
        'the policy: call again with `maxAge: null` once your users have visited the hosts. XAPI reads the value at ' +
        'start: use `restart: true` (the restart service\'s checks apply) and the result shows every host\'s verdict after it.',
      params: { ...scopeParams, ...SET_HSTS_FORM_PARAMS, restart: restartParam },
      doc: {
        summary: 'sets or removes `hsts_max_age` safely',
        example: 'xo-cli xapiConfig.setHsts pool=<pool uuid> maxAge=json:31536000 restart=true',
        result:
          '`hstsMaxAge` (what the managed drop-in now says, `null` when the key was removed), `change` (the drop-in ' +
          'change, as `apply` returns it), `untrustedAccepted` (hosts with an untrusted certificate accepted through ' +
          '`allowUntrustedCertificate`), `nextStep` (what to do next, when anything) and, with `restart: true`, ' +
          '`after`: each host\'s verdict once the restart is done.',
        errors: [
          ['forbiddenOperation', "turning HSTS on where a host's certificate would not be trusted or cannot be checked (the error names each host and why; `allowUntrustedCertificate=true` goes on anyway); XAPI would not start after the change"],
          ['incorrectState', 'a host of the scope is unreachable'],
          ['noSuchObject', 'an unknown pool or host'],
        ],
        guide: 'hsts.md',
      },
      handler: (params, context) => hsts.set(params, context),
    },
  }
}
