// Param schemas shared by several methods (XO JSON-schema dialect).

export const hostParam = { type: 'string', description: 'UUID of the host' }

export const poolsParam = {
  type: 'array',
  items: { type: 'string' },
  optional: true,
  description: 'UUIDs of the pools; default: every connected pool',
}

export const scopeParams = {
  pool: { type: 'string', optional: true, description: 'UUID of the pool (every host of it)' },
  hosts: {
    type: 'array',
    items: { type: 'string' },
    minItems: 1,
    optional: true,
    description: 'UUIDs of some hosts of one pool, instead of `pool`',
  },
}

export const restartParam = {
  type: 'boolean',
  optional: true,
  description: "Restart the toolstack of the hosts that changed, through the restart service's checks (default: no restart)",
}
