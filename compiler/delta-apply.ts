/**
 * Folding a delta into the base spec files: the AST editing behind `phoenix delta apply`. Pure:
 * parsed files and a delta in, the new text of every file it changes out; nothing is read or
 * written here.
 *
 * What changes where:
 * - `modify X { ... }` edits the block where component X is declared, in place. `requirement`,
 *   `check` and `decision` replace the item of that name where it stands, or are added after the
 *   last item of their kind (or, when there is none, after the last item that comes before that
 *   kind in the usual order: description, owns, interface, depends_on, agent, autonomy,
 *   requirement, decision, check). `depends_on` names are added to the last `depends_on` line;
 *   `owns`, `description` and `interface` replace the first such item (other `owns` lines go).
 *   `remove ...` deletes the item (or the name from its `depends_on` line; a line left empty goes).
 * - `add component Y { ... }` writes the block to `specs/Y.phx`, appended at the end when that
 *   file already exists; the comments inside the `add` body come along.
 * - `remove component Z` deletes Z's block; a file left without blocks is deleted.
 * - The delta itself moves to `specs/deltas/applied/NAME.phx`: the whole file when the delta was
 *   alone in it, else only its block (with the comments inside it), and it leaves its file.
 * - Other pending deltas pinned (`base`) to a component this delta changes are rebased: their pin
 *   becomes the component's new hash. They folded cleanly on top of this one before, so what
 *   they ask for is unchanged; verifyFold proves it.
 *
 * Comments. Edited files are printed by formatSpecFile, so every comment outside the edited items
 * keeps its text and place. A removed item takes with it the comments inside it and those after
 * it on its last line; a replaced item keeps those around it (above it and at the end of its last
 * line) and loses those inside it. Comments inside the delta's `modify` bodies stay with the
 * delta, in applied/.
 */
import { posix } from "node:path";
import {
  diagnostic, didYouMean, formatSpecFile, hasErrors, itemsOfKind, parseSpec, validateSpecFile, validateSpecTree, type Comment,
  type ComponentBlock, type DeltaBlock, type Diagnostic, type Item, type NameRef, type Span, type SpecFile, type TextLit,
} from "../spec-lang/index.js";
import { applyDeltas } from "./deltas.js";
import { canonicalJson, shortHash, specHash } from "./hash.js";
import type { Component, Ir } from "./ir.js";
import { compileTree } from "./project.js";
import { resolveSpecTree } from "./resolve.js";

/** One file the fold writes or deletes; `path` as the input files spell their paths. */
export type FileChange =
  | { kind: "update" | "create"; path: string; text: string }
  | { kind: "delete"; path: string };

/** A pending delta whose `base` pin moved along with the component it modifies. */
export interface Rebase {
  delta: string;
  component: string;
  from: string;
  to: string;
}

export interface FoldResult {
  /** Sorted by path. Empty when there are diagnostics. */
  changes: FileChange[];
  /** Where the delta was archived (one of the created files). */
  archive: string;
  rebased: Rebase[];
  /** The components the delta changes: modified, added or removed. */
  components: string[];
  /** Errors that stop the fold: unknown targets, stale pins, conflicts, no system block. */
  diagnostics: Diagnostic[];
}

export interface FoldOptions {
  /** The specs/ folder as the files' paths spell it (`specs`, `../specs`). */
  specsDir: string;
}

/** Where an applied delta is kept. */
export function archivePath(specsDir: string, delta: string): string {
  return posix.join(specsDir, "deltas", "applied", `${delta}.phx`);
}

/** Where `add component NAME` puts its block. */
export function newComponentPath(specsDir: string, component: string): string {
  return posix.join(specsDir, `${component}.phx`);
}

/** True for a path in specs/deltas/applied/, which the loader skips (spec-files.ts). */
export function isArchived(path: string): boolean {
  return /(^|\/)deltas\/applied\//.test(path);
}

/** Folds the delta named `deltaName` (a pending delta in `files`) into the base spec files. */
export function foldDelta(files: readonly SpecFile[], deltaName: string, options: FoldOptions): FoldResult {
  const archive = archivePath(options.specsDir, deltaName);
  const none = (diagnostics: Diagnostic[]): FoldResult => ({ changes: [], archive, rebased: [], components: [], diagnostics });
  const resolved = resolveSpecTree(files, options.specsDir);
  if (!resolved.base) return none(resolved.diagnostics);
  const delta = resolved.deltas.find((d) => d.name.name === deltaName);
  if (!delta) {
    const at: Span = { file: options.specsDir, line: 1, column: 1, offset: 0, end: 0, endLine: 1, endColumn: 1 };
    return none([diagnostic("delta-not-found", at, { delta: deltaName, hint: didYouMean(deltaName, resolved.deltas.map((d) => d.name.name)) })]);
  }
  // every pending delta must fold cleanly: the desired state is what this fold must preserve
  const all = applyDeltas(resolved.base, resolved.deltas);
  if (hasErrors(all.diagnostics)) return none(all.diagnostics.filter((d) => d.severity === "error"));
  const expected = applyDeltas(resolved.base, [delta]).desired;

  const work = new Workspace(files);
  const diagnostics: Diagnostic[] = [];
  // a component this delta removes and also modifies is removed, in whichever order (deltas.ts)
  const removed = new Set(delta.items.flatMap((i) => (i.kind === "remove" && i.target === "component" ? [i.name.name] : [])));
  for (const item of delta.items) {
    if (item.kind === "modify") {
      if (removed.has(item.component.name)) continue;
      const found = work.component(item.component.name);
      if (!found) diagnostics.push(unknownComponent(delta, item.component));
      else modifyComponent(found.file, found.block, item.items);
    } else if (item.kind === "remove" && item.target === "component") {
      const found = work.component(item.name.name);
      if (!found) diagnostics.push(unknownComponent(delta, item.name));
      else removeFrom(found.file, found.file.ast.blocks, found.file.ast.blocks.indexOf(found.block), undefined);
    } else if (item.kind === "add") {
      const source = work.original(delta.span.file);
      const block: ComponentBlock = { kind: "component", name: item.component, items: item.items, span: item.span };
      const comments = source ? ownedComments(source.comments, item, nextOffset(delta.items, item, delta.span.end)).all : [];
      work.appendBlock(newComponentPath(options.specsDir, item.component.name), { path: delta.span.file, blocks: [block], comments });
    }
  }
  if (diagnostics.length > 0) return none(diagnostics);

  const rebased = rebasePins(work, delta, resolved.base, expected);
  const archiveText = archiveDelta(work, files, delta);
  const changes = [...work.changes(), { kind: "create" as const, path: archive, text: archiveText }]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { changes, archive, rebased, components: changedComponents(delta), diagnostics: [] };
}

/** A `base` pin that no longer matches its component (deltas.ts decides what matches). */
export interface StalePin {
  component: string;
  pinned: string;
  actual: string;
}

export function stalePins(base: Ir, delta: DeltaBlock): StalePin[] {
  const mismatches = applyDeltas(base, [delta]).diagnostics.filter((d) => d.code === "delta-base-mismatch");
  return itemsOfKind(delta.items, "modify").flatMap((modify) => {
    const component = base.components.find((c) => c.name === modify.component.name);
    const pin = modify.base;
    if (!component || !pin || !mismatches.some((d) => d.span.offset === pin.span.offset && d.span.file === pin.span.file)) return [];
    return [{ component: component.name, pinned: pin.value, actual: specHash(component) }];
  });
}

/** The components a delta changes, in the order it names them. */
export function changedComponents(delta: DeltaBlock): string[] {
  const names = delta.items.flatMap((item) => (item.kind === "modify" || item.kind === "add" ? [item.component.name]
    : item.kind === "remove" && item.target === "component" ? [item.name.name] : []));
  return [...new Set(names)];
}

function unknownComponent(delta: DeltaBlock, name: NameRef): Diagnostic {
  return diagnostic("delta-unknown-target", name.span, { delta: delta.name.name, what: "component", name: name.name, hint: "" });
}

/** Offset of the item after `item` in `items`, or `fallback`. */
function nextOffset(items: readonly { span: Span }[], item: { span: Span }, fallback: number): number {
  const at = items.indexOf(item);
  return items[at + 1]?.span.offset ?? fallback;
}

// ---------------------------------------------------------------------------------------------
// The files being edited

/** One file under edit: a private copy of its AST, and blocks printed after it. */
interface WorkFile {
  path: string;
  ast: SpecFile;
  /** Whole blocks from elsewhere (with their own comments), printed after the file's own text. */
  appended: SpecFile[];
  existed: boolean;
  changed: boolean;
}

class Workspace {
  private readonly files = new Map<string, WorkFile>();
  private readonly originals = new Map<string, SpecFile>();

  constructor(files: readonly SpecFile[]) {
    for (const f of files) {
      this.originals.set(f.path, f);
      this.files.set(f.path, { path: f.path, ast: structuredClone(f), appended: [], existed: true, changed: false });
    }
  }

  original(path: string): SpecFile | undefined {
    return this.originals.get(path);
  }

  file(path: string): WorkFile | undefined {
    return this.files.get(path);
  }

  all(): WorkFile[] {
    return [...this.files.values()];
  }

  /** The first block declaring component `name` (the one resolve.ts uses). */
  component(name: string): { file: WorkFile; block: ComponentBlock } | undefined {
    for (const file of this.files.values()) {
      const block = file.ast.blocks.find((b): b is ComponentBlock => b.kind === "component" && b.name.name === name);
      if (block) return { file, block };
    }
    return undefined;
  }

  appendBlock(path: string, block: SpecFile): void {
    let file = this.files.get(path);
    if (!file) {
      file = { path, ast: { path, blocks: [], comments: [] }, appended: [], existed: false, changed: true };
      this.files.set(path, file);
    }
    file.appended.push(block);
    file.changed = true;
  }

  changes(): FileChange[] {
    const out: FileChange[] = [];
    for (const file of this.files.values()) {
      if (!file.changed) continue;
      const parts = [...(file.ast.blocks.length > 0 ? [file.ast] : []), ...file.appended].map(formatSpecFile);
      if (parts.length === 0) {
        if (file.existed) out.push({ kind: "delete", path: file.path });
        continue;
      }
      out.push({ kind: file.existed ? "update" : "create", path: file.path, text: parts.join("\n") });
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Spans

/** The span of nodes this fold adds: no file has this path, so they take no comments. */
const ADDED: Span = { file: "<added by phoenix delta apply>", line: 1, column: 1, offset: 0, end: 0, endLine: 1, endColumn: 1 };

function isSpan(value: object): value is Span {
  return "file" in value && "line" in value && "endLine" in value && "offset" in value && "end" in value;
}

/** A deep copy of `node` with every span set to `span`. */
function respan<T>(node: T, span: Span): T {
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (typeof value !== "object" || value === null) return value;
    if (isSpan(value)) return { ...span };
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
  };
  return walk(node) as T;
}

/** Every span in a file's AST and comments, to adjust line numbers. */
function eachSpan(file: SpecFile, visit: (span: Span) => void): void {
  const seen = new Set<object>();
  const walk = (value: unknown): void => {
    if (typeof value !== "object" || value === null || seen.has(value)) return;
    seen.add(value);
    if (!Array.isArray(value) && isSpan(value)) {
      if (value.file === file.path) visit(value);
      return;
    }
    for (const v of Array.isArray(value) ? value : Object.values(value)) walk(v);
  };
  walk(file.blocks);
  walk(file.comments);
}

function placed(file: WorkFile, node: { span: Span }): boolean {
  return node.span.file === file.path;
}

// ---------------------------------------------------------------------------------------------
// Comments and removal

/**
 * The comments that belong to a node: those inside it, and those after it on its last line
 * (before `limit`, the next sibling), as formatSpecFile places them.
 */
function ownedComments(comments: readonly Comment[], node: { span: Span }, limit: number): { all: Comment[]; lastLine: number } {
  const sorted = [...comments].sort((a, b) => a.span.offset - b.span.offset);
  const inside = sorted.filter((c) => c.span.offset >= node.span.offset && c.span.offset < node.span.end);
  let lastLine = node.span.endLine;
  const trailing: Comment[] = [];
  for (const c of sorted) {
    if (c.span.offset < node.span.end || c.span.offset >= limit) continue;
    if (c.span.line !== lastLine) break;
    trailing.push(c);
    lastLine = c.span.endLine;
  }
  return { all: [...inside, ...trailing], lastLine };
}

/** The parent of a list of items: a block or a check, or the file itself for blocks. */
interface Parent {
  span: Span;
  /** The line of the header's last word, where `{` normally stands. */
  headerLine: number;
}

/**
 * Removes `list[index]` (an item of `parent`, or a block when `parent` is undefined) with its
 * comments. When nothing else stood on its lines, the lines after it move up, so the formatter
 * sees no gap where it was and prints no blank line that the source did not have.
 */
function removeFrom<T extends { span: Span }>(file: WorkFile, list: T[], index: number, parent: Parent | undefined): void {
  const node = list[index];
  if (!node) return;
  list.splice(index, 1);
  file.changed = true;
  if (!placed(file, node)) return;
  const limit = list.slice(index).find((n) => placed(file, n))?.span.offset ?? (parent ? parent.span.end : Infinity);
  const { all, lastLine } = ownedComments(file.ast.comments, node, limit);
  const gone = new Set(all);
  file.ast.comments = file.ast.comments.filter((c) => !gone.has(c));

  const lower = parent ? parent.span.offset : -Infinity;
  const before = [
    ...list.slice(0, index).filter((n) => placed(file, n)).map((n) => n.span),
    ...file.ast.comments.filter((c) => c.span.offset >= lower && c.span.end <= node.span.offset).map((c) => c.span),
  ];
  const after = [
    ...list.slice(index).filter((n) => placed(file, n)).map((n) => n.span),
    ...file.ast.comments.filter((c) => c.span.offset >= node.span.end && c.span.offset < (parent ? parent.span.end : Infinity)).map((c) => c.span),
  ];
  const prevLine = Math.max(parent ? parent.headerLine : 0, ...before.map((s) => s.endLine));
  const nextLine = Math.min(parent ? parent.span.endLine : Infinity, ...after.map((s) => s.line));
  if (prevLine < node.span.line && nextLine > lastLine) {
    const count = lastLine - node.span.line + 1;
    eachSpan(file.ast, (span) => {
      if (span.line > lastLine) span.line -= count;
      if (span.endLine > lastLine) span.endLine -= count;
    });
  }
}

// ---------------------------------------------------------------------------------------------
// modify

/** The usual order of a component's items: where an item goes when none of its kind exists. */
const KIND_ORDER: readonly Item["kind"][] = [
  "description", "owns", "interface", "depends_on", "agent", "autonomy", "requirement", "decision", "check",
];

function rank(kind: Item["kind"]): number {
  const at = KIND_ORDER.indexOf(kind);
  return at < 0 ? KIND_ORDER.length : at;
}

/** The key an item is replaced by: `requirement STORE-1`, `check unit`. */
function keyOf(item: Item): string | undefined {
  if (item.kind === "requirement" || item.kind === "decision") return `${item.kind} ${item.id.name}`;
  if (item.kind === "check") return `check ${item.name.name}`;
  if (item.kind === "description" || item.kind === "interface" || item.kind === "owns") return item.kind;
  return undefined;
}

function componentParent(block: ComponentBlock): Parent {
  return { span: block.span, headerLine: block.name.span.endLine };
}

function modifyComponent(file: WorkFile, block: ComponentBlock, changes: readonly Item[]): void {
  const parent = componentParent(block);
  for (const change of changes) {
    switch (change.kind) {
      case "requirement":
      case "check":
      case "decision":
      case "description":
      case "interface":
      case "owns":
        replaceOrAdd(file, block, change, parent);
        break;
      case "depends_on":
        addDependencies(file, block, change.names);
        break;
      case "remove":
        removeTarget(file, block, change.target, change.name.name, parent);
        break;
      default:
        break;
    }
  }
}

function replaceOrAdd(file: WorkFile, block: ComponentBlock, change: Item, parent: Parent): void {
  const key = keyOf(change);
  const at = block.items.findIndex((i) => keyOf(i) === key);
  file.changed = true;
  if (at < 0) {
    insertByKind(file, block, respan(change, ADDED));
    return;
  }
  const old = block.items[at]!;
  // the replacement stands where the old item stood: comments around it stay, those inside go
  if (placed(file, old)) {
    const inside = new Set(file.ast.comments.filter((c) => c.span.offset >= old.span.offset && c.span.offset < old.span.end));
    file.ast.comments = file.ast.comments.filter((c) => !inside.has(c));
  }
  block.items[at] = respan(change, old.span);
  // `owns` replaces every owns line: the first takes the new globs, the others go
  if (change.kind === "owns") {
    for (let i = block.items.length - 1; i > at; i--) if (block.items[i]!.kind === "owns") removeFrom(file, block.items, i, parent);
  }
}

/** Adds a new item after the last of its kind, or after the last item that usually comes before it. */
function insertByKind(file: WorkFile, block: ComponentBlock, item: Item): void {
  const r = rank(item.kind);
  let at = 0;
  block.items.forEach((existing, i) => {
    if (rank(existing.kind) <= r) at = i + 1;
  });
  // a comment at the end of the header's line trails the first item printed: keep it on a source item
  if (at === 0 && block.items.length > 0 && headerHasTrailingComment(file, block)) at = 1;
  block.items.splice(at, 0, item);
}

function headerHasTrailingComment(file: WorkFile, block: ComponentBlock): boolean {
  const first = block.items[0]!;
  return file.ast.comments.some((c) => c.span.offset > block.name.span.end && c.span.offset < first.span.offset
    && c.span.line === block.name.span.endLine);
}

function addDependencies(file: WorkFile, block: ComponentBlock, names: readonly NameRef[]): void {
  for (const name of names) {
    const lines = itemsOfKind(block.items, "depends_on");
    if (lines.some((l) => l.names.some((n) => n.name === name.name))) continue;
    file.changed = true;
    const last = lines.at(-1);
    if (last) last.names.push(respan(name, ADDED));
    else insertByKind(file, block, { kind: "depends_on", names: [respan(name, ADDED)], span: ADDED });
  }
}

function removeTarget(file: WorkFile, block: ComponentBlock, target: string, name: string, parent: Parent): void {
  for (let i = block.items.length - 1; i >= 0; i--) {
    const item = block.items[i]!;
    if (target === "depends_on" && item.kind === "depends_on") {
      if (!item.names.some((n) => n.name === name)) continue;
      item.names = item.names.filter((n) => n.name !== name);
      file.changed = true;
      if (item.names.length === 0) removeFrom(file, block.items, i, parent);
    } else if ((target === "requirement" && item.kind === "requirement" && item.id.name === name)
      || (target === "check" && item.kind === "check" && item.name.name === name)) {
      removeFrom(file, block.items, i, parent);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Other deltas and the archive

/** Moves the `base` pins of other pending deltas on components whose hash this fold changes. */
function rebasePins(work: Workspace, delta: DeltaBlock, base: Ir, expected: Ir): Rebase[] {
  const out: Rebase[] = [];
  const hashes = new Map<string, { from: string; to: string }>();
  for (const before of base.components) {
    const after = expected.components.find((c) => c.name === before.name);
    if (after && specHash(after) !== specHash(before)) hashes.set(before.name, { from: specHash(before), to: specHash(after) });
  }
  for (const file of work.all()) {
    for (const block of file.ast.blocks) {
      if (block.kind !== "delta" || block.name.name === delta.name.name) continue;
      for (const item of block.items) {
        const moved = item.kind === "modify" && item.base ? hashes.get(item.component.name) : undefined;
        if (item.kind !== "modify" || !item.base || !moved) continue;
        const pin: TextLit = { value: moved.to, triple: false, span: item.base.span };
        out.push({ delta: block.name.name, component: item.component.name, from: item.base.value, to: moved.to });
        item.base = pin;
        file.changed = true;
      }
    }
  }
  return out.sort((a, b) => (a.delta < b.delta ? -1 : a.delta > b.delta ? 1 : 0));
}

/** Takes the delta's block out of its file and returns the archive's text. */
function archiveDelta(work: Workspace, files: readonly SpecFile[], delta: DeltaBlock): string {
  const original = files.find((f) => f.path === delta.span.file)!;
  const file = work.file(delta.span.file)!;
  const index = file.ast.blocks.findIndex((b) => b.kind === "delta" && b.name.name === delta.name.name);
  removeFrom(file, file.ast.blocks, index, undefined);
  if (original.blocks.length === 1) return formatSpecFile(original);
  const limit = nextOffset(original.blocks, delta, Infinity);
  return formatSpecFile({ path: original.path, blocks: [delta], comments: ownedComments(original.comments, delta, limit).all });
}

// ---------------------------------------------------------------------------------------------
// Verification

/**
 * Why a fold cannot be written. `internal`: a bug here (the texts do not read back, or their base
 * is not the old base with the delta folded in). `invalid`: the folded specs break a rule that
 * pending deltas are not checked against (a check that covers a requirement the delta removes).
 * `order`: applying this delta before another pending one changes what the other asks for.
 */
export interface FoldProblem {
  kind: "internal" | "invalid" | "order";
  message: string;
  /** For `invalid`: the diagnostics, placed in the folded texts. */
  diagnostics?: Diagnostic[];
}

/**
 * Re-reads the folded texts and proves the fold right: the new files parse and validate without
 * errors, their base is the old base with this delta folded in, the other deltas still fold, and
 * the desired state is the same as before. Pure, like foldDelta.
 */
export function verifyFold(files: readonly SpecFile[], deltaName: string, changes: readonly FileChange[], specsDir: string): FoldProblem[] {
  const problems: FoldProblem[] = [];
  const internal = (message: string) => problems.push({ kind: "internal", message });
  const invalid: Diagnostic[] = [];
  const next = new Map(files.map((f) => [f.path, f]));
  for (const change of changes) {
    if (change.kind === "delete") {
      next.delete(change.path);
      continue;
    }
    const parsed = parseSpec(change.text, change.path);
    const syntax = parsed.diagnostics.filter((d) => d.severity === "error");
    if (syntax.length > 0) internal(`the new ${change.path} does not read back: ${syntax[0]!.message} (line ${syntax[0]!.span.line})`);
    else if (formatSpecFile(parsed.ast) !== change.text) internal(`the new ${change.path} is not in canonical layout`);
    invalid.push(...validateSpecFile(parsed.ast).filter((d) => d.severity === "error"));
    if (isArchived(change.path)) next.delete(change.path);
    else next.set(change.path, parsed.ast);
  }
  if (problems.length > 0) return problems;
  const newFiles = [...next.values()];
  invalid.push(...validateSpecTree(newFiles).filter((d) => d.severity === "error"));
  const before = compileTree(files, specsDir);
  const after = compileTree(newFiles, specsDir);
  invalid.push(...after.diagnostics.filter((d) => d.severity === "error"));
  if (invalid.length > 0) {
    return [{ kind: "invalid", message: `the specs with delta '${deltaName}' folded in would have ${invalid.length === 1 ? "an error" : `${invalid.length} errors`}`, diagnostics: invalid }];
  }
  const delta = resolveSpecTree(files, specsDir).deltas.find((d) => d.name.name === deltaName);
  if (!before.base || !before.desired || !after.base || !after.desired || !delta) return [{ kind: "internal", message: "no base state or no such delta" }];
  const pendingBefore = resolveSpecTree(files, specsDir).deltas.map((d) => d.name.name).filter((n) => n !== deltaName).sort();
  const pendingAfter = resolveSpecTree(newFiles, specsDir).deltas.map((d) => d.name.name).sort();
  if (canonicalJson(pendingBefore) !== canonicalJson(pendingAfter)) {
    internal(`pending deltas would be ${pendingAfter.join(", ") || "none"}, expected ${pendingBefore.join(", ") || "none"}`);
  }
  if (canonicalJson(withoutSpans(before.base.system)) !== canonicalJson(withoutSpans(after.base.system))) internal("the system block would change");
  const expected = applyDeltas(before.base, [delta]).desired;
  for (const message of irDifferences(expected, after.base, "the folded base")) internal(message);
  if (problems.length > 0) return problems;
  for (const message of irDifferences(before.desired, after.desired, "the desired state")) problems.push({ kind: "order", message });
  return problems;
}

/** How two IRs differ in meaning, component by component. */
function irDifferences(want: Ir, got: Ir, what: string): string[] {
  const out: string[] = [];
  const names = [...new Set([...want.components, ...got.components].map((c) => c.name))].sort();
  for (const name of names) {
    const w = want.components.find((c) => c.name === name);
    const g = got.components.find((c) => c.name === name);
    if (!w) out.push(`${what} would have component ${name}, which it should not`);
    else if (!g) out.push(`${what} would lack component ${name}`);
    else if (meaning(w) !== meaning(g)) {
      out.push(`${what} of component ${name} would hash to ${shortHash(specHash(g))}, expected ${shortHash(specHash(w))}`);
    }
  }
  return out;
}

/** What a component says, layout and order aside: its spec hash, agent and autonomy. */
function meaning(c: Component): string {
  return canonicalJson({ spec: specHash(c), agent: c.agent, autonomy: c.autonomy });
}

function withoutSpans(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (k, v: unknown) => (k === "at" ? undefined : v)));
}

