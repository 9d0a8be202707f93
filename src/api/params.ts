// Param schemas shared by several methods (XO JSON-schema dialect). Every string and list is bounded in
// the schema, so xo-server refuses an oversized input before the plugin does any work with it.
import { MAX_KEY_LENGTH, MAX_KEYS_PER_CHANGE, MAX_NAME_BYTES, MAX_VALUE_LENGTH } from '../conf'

/** XO object ids are UUIDs (36 characters); change ids too. */
export const MAX_ID_LENGTH = 64
/** More hosts or pools than any XO manages in one call. */
export const MAX_IDS = 1024

export const idParam = (description: string) => ({ type: 'string', maxLength: MAX_ID_LENGTH, description })

export const idListParam = (description: string, { minItems = 0, optional = true } = {}) => ({
  type: 'array',
  items: { type: 'string', maxLength: MAX_ID_LENGTH },
  ...(minItems === 0 ? {} : { minItems }),
  maxItems: MAX_IDS,
  optional,
  description,
})

export const hostParam = idParam('UUID of the host')

export const poolsParam = idListParam('UUIDs of the pools; default: every connected pool')

export const scopeParams = {
  pool: { ...idParam('UUID of the pool (every host of it)'), optional: true },
  hosts: idListParam('UUIDs of some hosts of one pool, instead of `pool`', { minItems: 1 }),
}

export const fileNameParam = (description: string) => ({ type: 'string', maxLength: MAX_NAME_BYTES, description })

// Keys and values are checked by the plugin first thing (src/conf/writer.ts: length, then type), not
// here: any Ajv error about one entry would echo its key whole (`instancePath`, `propertyName`), however
// long; the plugin quotes a short prefix.
export const settingsParam = {
  type: 'object',
  minProperties: 1,
  maxProperties: MAX_KEYS_PER_CHANGE,
  description:
    'Keys to set in the drop-in, e.g. `{ "pending_task_timeout": "172800" }`; `null` removes a key. ' +
    'Every key and value is checked with the catalog (`xapiConfig.keys`) before any host is touched. ' +
    `At most ${MAX_KEYS_PER_CHANGE} keys of ${MAX_KEY_LENGTH} characters, values of ${MAX_VALUE_LENGTH} characters.`,
}

export const restartParam = {
  type: 'boolean',
  optional: true,
  description: "Restart the toolstack of the hosts that changed, through the restart service's checks (default: no restart)",
}

export const allowUntrustedParam = {
  type: 'boolean',
  optional: true,
  description:
    'Let the change turn HSTS on (a positive `hsts_max_age`) even on hosts whose certificate browsers do not trust: ' +
    'they would lock users out of the host. Refused without it, whatever method asks.',
}
