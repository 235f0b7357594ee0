/**
 * Every diagnostic phoenix can report about spec files, as data: one catalog of codes with
 * their severity and message template. Stages return diagnostics; they never throw them.
 */
import type { Span } from "./ast.js";

/** error blocks a build; warning is reported and lets it go on. */
export type Severity = "error" | "warning";

interface CatalogEntry {
  severity: Severity;
  /** `{name}` placeholders are filled from the diagnostic's arguments. */
  message: string;
}

/** The catalog. Codes are kebab-case and stable: tools and tests match on them. */
export const diagnosticCatalog = {
  // Reading the file
  "file-unreadable": { severity: "error", message: "cannot read file: {reason}" },
  "file-not-utf8": { severity: "error", message: "file is not valid UTF-8 (an invalid byte sequence starts with 0x{byte}); spec files must be UTF-8" },
  "file-binary": { severity: "error", message: "file looks binary (it contains a NUL byte); spec files are UTF-8 text" },
  "file-too-large": { severity: "error", message: "file is {size}; spec files may be at most {limit}: split it into several .phx files" },
  "file-empty": { severity: "error", message: "file declares nothing: add a `system`, `component` or `delta` block, or delete the file" },
  "no-spec-files": { severity: "error", message: "no .phx files found under {path}" },
  // Lexing
  "unexpected-character": { severity: "error", message: "unexpected character {char}" },
  "unterminated-string": { severity: "error", message: "unterminated string: add the closing \" on the same line, or use \"\"\" for text over several lines" },
  "unterminated-triple-string": { severity: "error", message: "unterminated \"\"\" string: it runs to the end of the file; close it with \"\"\"" },
  "unterminated-comment": { severity: "error", message: "unterminated /* comment: it runs to the end of the file; close it with */" },
  "invalid-escape": { severity: "error", message: "unknown escape \\{char} in string: use \\\", \\\\, \\n or \\t" },
  "invalid-duration": { severity: "error", message: "'{text}' is not a duration: write a number followed by ms, s, m or h (for example 30s)" },
  // Parsing
  "syntax-error": { severity: "error", message: "{message}" },
  "missing-brace": { severity: "error", message: "missing '}' to close {block} (opened at line {line})" },
  "unknown-keyword": { severity: "error", message: "unknown keyword '{word}' {context}{hint}" },
  "unexpected-token": { severity: "error", message: "unexpected {token} {context}: expected {expected}" },
  "unknown-level": { severity: "error", message: "'{word}' is not an RFC 2119 keyword: use MUST, MUST NOT, REQUIRED, SHALL, SHALL NOT, SHOULD, SHOULD NOT, RECOMMENDED, MAY, MAY NOT or OPTIONAL{hint}" },
  "nesting-too-deep": { severity: "error", message: "'{' opens a block {depth} levels deep; blocks nest at most three deep (delta, modify, check), and phoenix reads no further than {limit}" },
  "unknown-remove-target": { severity: "error", message: "cannot remove '{word}': `remove` takes component, requirement, check or depends_on" },
  // One file's meaning
  "misplaced-item": { severity: "error", message: "`{keyword}` is not allowed in {context}{hint}" },
  "duplicate-item": { severity: "error", message: "`{keyword}` is given twice in {context}; the first is at line {line}" },
  "duplicate-name": { severity: "error", message: "{what} '{name}' is defined twice; the first is at {where}" },
  "duplicate-reference": { severity: "error", message: "`{keyword}` names '{name}' twice; the first is at line {line}, column {column}" },
  "name-clash": { severity: "error", message: "{what} '{name}' has the name of {other} '{name}' at {where}: component and delta names are global, so each is used once" },
  "duplicate-system": { severity: "error", message: "a second `system` block; there is exactly one per spec tree, the first is at {where}" },
  "reason-required": { severity: "error", message: "requirement {id} is {level}: give the reason with `because \"...\"` (SHOULD, RECOMMENDED, MAY and OPTIONAL must say why)" },
  "empty-owns": { severity: "error", message: "component '{component}' owns no files: add `owns \"glob\"` so its agent may write its code" },
  "empty-glob": { severity: "error", message: "empty path in `{keyword}`: give a glob relative to the root, such as \"src/store/**\"" },
  "unsafe-path": { severity: "error", message: "`{keyword}` path '{path}' {problem}: paths are relative to the root and stay inside it" },
  "empty-text": { severity: "error", message: "`{keyword}` has an empty string: give {what}" },
  "invalid-probe": { severity: "error", message: "`{keyword}` takes \"METHOD URL\", METHOD one of {methods} and then a URL or a path such as /health, not \"{value}\"{hint}" },
  "ready-without-start": { severity: "error", message: "`ready` needs `start` in system {system}: it tells when the system `start` runs is up; add `start \"command\"` or remove `ready`" },
  "check-kind-missing": { severity: "error", message: "check '{check}' has no kind: give exactly one of run, probe, judge or human" },
  "check-kind-twice": { severity: "error", message: "check '{check}' is already a {first} check; a check has exactly one of run, probe, judge or human" },
  "option-not-for-kind": { severity: "error", message: "`{option}` does not apply to a {kind} check{hint}" },
  "unknown-provider": { severity: "error", message: "unknown agent provider '{provider}': use anthropic, claude-code, codex, command or scripted{hint}" },
  "provider-argument-required": { severity: "error", message: "agent {provider} needs {what}, e.g. `agent {provider} \"{example}\"`" },
  "provider-argument-unexpected": { severity: "error", message: "agent {provider} takes no argument" },
  "unknown-word": { severity: "error", message: "`{keyword}` takes {expected}, not '{word}'{hint}" },
  "invalid-count": { severity: "error", message: "`{keyword}` must be {rule}, not {value}" },
  "invalid-status": { severity: "error", message: "`expect status` takes an HTTP status from 100 to 599, not {value}" },
  "expect-needs-comparison": { severity: "error", message: "`expect {metric}` needs a bound such as `expect {metric} < 100ms`" },
  "expect-status-comparison": { severity: "error", message: "`expect status` takes a status code, such as `expect status 200`" },
  "invalid-bound": { severity: "error", message: "`expect {metric}` takes a bound longer than zero and at most 24h, not {text}" },
  "invalid-timeout": { severity: "error", message: "timeout must be longer than zero and at most 24h, not {text}" },
  "unknown-covered-requirement": { severity: "error", message: "check '{check}' covers '{id}', but {absence}{hint}" },
  "uncovered-requirement": { severity: "warning", message: "requirement {id} ({level}) is not covered by any check{hint}: add it to a check's `covers`" },
  // The whole tree (compiler/)
  "missing-system": { severity: "error", message: "no `system` block under {path}: a spec tree has exactly one (`phoenix init` writes specs/system.phx)" },
  "unknown-component": { severity: "error", message: "component '{component}' depends on '{name}', which is not defined{hint}" },
  "dependency-cycle": { severity: "error", message: "components depend on each other in a cycle: {path}" },
  "overlapping-owners": { severity: "error", message: "component '{component}' owns '{glob}', which overlaps '{otherGlob}' of component '{other}' ({where}): every file has exactly one owner" },
  "shared-file": { severity: "error", message: "file '{path}' is owned by component '{component}' ('{glob}') and by component '{other}' ('{otherGlob}'): every file has exactly one owner" },
  "root-missing": { severity: "error", message: "the root '{root}' does not exist: create it with a README.md and {container}/ (the system's dev environment)" },
  "root-readme-missing": { severity: "error", message: "the root '{root}' has no README.md: agents read it first, so describe the system there" },
  "root-container-missing": { severity: "error", message: "the root '{root}' has no {container}/: add the system's dev environment there (a Containerfile or devcontainer.json)" },
  "root-container-empty": { severity: "error", message: "the root '{root}' has a {container}/ that defines no dev environment: add one of {files} to it" },
  // Deltas
  "delta-unknown-target": { severity: "error", message: "delta '{delta}' names {what} '{name}', which does not exist{hint}" },
  "delta-component-exists": { severity: "error", message: "delta '{delta}' adds component '{component}', which already exists: change it with `modify {component} { ... }`" },
  "delta-base-mismatch": { severity: "error", message: "delta '{delta}' was written against {component} at {base}, but its spec now hashes to {actual}: review the delta against the current spec, then update `base`" },
  "invalid-base": { severity: "error", message: "`base` takes \"sha256:\" and at least 4 hex digits of a spec hash, not '{base}' (the current hash is {actual})" },
  "remove-component-in-modify": { severity: "error", message: "`remove component {component}` belongs directly in the delta, not inside `modify`" },
  "delta-conflict": { severity: "error", message: "delta '{delta}' and delta '{other}' ({where}) both change {what}: {hash} here, {otherHash} there; apply one first or merge them" },
  "delta-not-found": { severity: "error", message: "no pending delta named '{delta}'{hint}" },
  // phoenix.lock (compiler/lock/), when a command reports it as data (`phoenix diff --json`)
  "lock-corrupt": { severity: "error", message: "{reason}; {recovery}" },
  "lock-version": { severity: "error", message: "{reason}; {recovery}" },
  "lock-unreadable": { severity: "error", message: "{reason}; {recovery}" },
  "lock-unwritable": { severity: "error", message: "{reason}; {recovery}" },
  "lock-changed": { severity: "error", message: "{reason}; {recovery}" },
} as const satisfies Record<string, CatalogEntry>;

/** A diagnostic code from the catalog. */
export type DiagnosticCode = keyof typeof diagnosticCatalog;

/** One problem found in a spec file. */
export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  span: Span;
}

/** Values that fill a message template. */
export type DiagnosticArgs = Readonly<Record<string, string | number>>;

/** Makes a diagnostic from the catalog, filling the message's placeholders. */
export function diagnostic(code: DiagnosticCode, span: Span, args: DiagnosticArgs = {}): Diagnostic {
  const entry: CatalogEntry = diagnosticCatalog[code];
  const message = entry.message.replace(/\{(\w+)\}/g, (whole, key: string) =>
    key in args ? String(args[key]) : whole);
  return { code, severity: entry.severity, message, span };
}

/** True when any diagnostic is an error. */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** `FILE:LINE:COL: severity CODE: message`, the format editors and CI annotators understand. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.span.file}:${d.span.line}:${d.span.column}: ${d.severity} ${d.code}: ${d.message}`;
}

/** Orders diagnostics by file, then position, so output is stable. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return a.span.file < b.span.file ? -1 : a.span.file > b.span.file ? 1 : a.span.offset - b.span.offset;
}

/** The nearest of `candidates` to `word` (edit distance at most 2), as a ` (did you mean 'x'?)` hint. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  // `require`, `desc`, `depends`: a cut-short word is a typo too, when only one keyword starts so
  best ??= uniquePrefixMatch(word.toLowerCase(), candidates);
  return best === undefined ? "" : ` (did you mean '${best}'?)`;
}

function uniquePrefixMatch(word: string, candidates: readonly string[]): string | undefined {
  if (word.length < 3) return undefined;
  const matches = candidates.filter((c) => c.toLowerCase().startsWith(word));
  return matches.length === 1 ? matches[0] : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}
