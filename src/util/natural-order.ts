// Names in the order people read them: `host-2` before `host-10` (digits compare as numbers).
const collator = new Intl.Collator('en', { numeric: true })

export function compareNatural(a: string, b: string): number {
  return collator.compare(a, b)
}
