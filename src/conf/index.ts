// Public surface of the xapi.conf language: parser, catalog, effective configuration, linter, writer.
export { boolOfString, floatOfString, intOfString, stringOfFloat, type OcamlFloat } from './ocaml'
export { parseFile, parseLine, type Assignment } from './parser'
export { CATALOG, catalogEntry, catalogKeys, type CatalogEntry, type KeyClass, type KeyType } from './catalog'
export { catalogJsonSchema, catalogMarkdownTable } from './catalog-docs'
export { configDirOf, DEFAULT_CONFIG_DIR, MAIN_CONFIG_PATH, type ConfEntry, type ConfTree, type DirState, type EntryKind, type TargetKind } from './tree'
export { readLocalTree } from './local-tree'
export { readTree, REFUSED, type FileKind, type FsAnswer, type TreeFs } from './read-tree'
export { compareNames, effectiveConfig, simulate, versionOptions, type EffectiveConfig, type EffectiveValue, type Outcome, type SourceAssignment } from './effective'
export { lintTree, type LintOptions, type LintReport, type Problem, type Severity } from './linter'
export { displayValue, plainValue } from './display'
export { suggestKey } from './suggest'
export * from './limits'
export { compareVersions, isKnownToVersion, parseVersion } from './version'
export {
  DEFAULT_MANAGED_FILE,
  isManagedFile,
  isSafeFileName,
  MANAGED_HEADER,
  mergeManagedFile,
  renderManagedFile,
  validateChange,
  type ChangeIssue,
  type ChangeValidation,
  type ConfChange,
  type ValidateOptions,
} from './writer'
