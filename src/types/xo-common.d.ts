declare module 'xo-common/api-errors' {
  const errors: Record<string, unknown>
  export = errors
}
