/**
 * Semantic checks that need only one file's AST: where each item may stand, what each check
 * kind accepts, reasons for SHOULD and MAY, unique IDs, covered requirements, sane values.
 * Checks across files (unknown components, cycles, overlapping owners) belong to the compiler.
 */
import {
  itemsOfKind, MUST_LEVELS, REASON_REQUIRED_LEVELS, type Block, type CheckItem, type Item, type NameRef, type Span,
  type SpecFile, type TextItem, type TextLit,
} from "./ast.js";
import { diagnostic, didYouMean, type Diagnostic } from "./diagnostics.js";

/** The places an item can stand. */
type Place = "system" | "component" | "check" | "delta" | "modify";

/** Which items each place accepts. `add component` bodies are components. */
const ALLOWED: Readonly<Record<Place, ReadonlySet<Item["kind"]>>> = {
  system: new Set(["description", "root", "container", "start", "ready", "agent", "protect", "check"]),
  component: new Set(["description", "owns", "interface", "depends_on", "agent", "autonomy", "requirement", "decision", "check"]),
  check: new Set(["run", "probe", "judge", "human", "timeout", "network", "expect", "samples", "votes", "covers", "advisory"]),
  delta: new Set(["modify", "add", "remove"]),
  modify: new Set(["requirement", "check", "decision", "depends_on", "owns", "description", "interface", "remove"]),
};

/** Items that may appear at most once in one place, each with a bit of its own (see validatePlacement). */
const SINGLE: ReadonlyMap<Item["kind"], number> = new Map(([
  "description", "root", "container", "start", "ready", "interface", "agent", "autonomy", "timeout", "network", "samples", "votes", "advisory",
] as const).map((kind, i) => [kind, 1 << i]));

/** Where an item that is misplaced belongs, said as a hint. */
const HOME: Partial<Record<Item["kind"], string>> = {
  root: "it belongs in the system block", container: "it belongs in the system block", protect: "it belongs in the system block",
  start: "it belongs in the system block", ready: "it belongs in the system block",
  owns: "it belongs in a component", interface: "it belongs in a component", depends_on: "it belongs in a component",
  autonomy: "it belongs in a component", requirement: "requirements belong to components", decision: "decisions belong to components",
  run: "put it inside a `check NAME { ... }` block", probe: "put it inside a `check NAME { ... }` block",
  judge: "put it inside a `check NAME { ... }` block", human: "put it inside a `check NAME { ... }` block",
  timeout: "it is a check option", network: "it is a check option", expect: "it is a check option",
  samples: "it is a check option", votes: "it is a check option", covers: "it is a check option", advisory: "it is a check option",
  modify: "it belongs in a delta block", add: "it belongs in a delta block",
};

const CHECK_KINDS = ["run", "probe", "judge", "human"] as const;
type CheckKind = (typeof CHECK_KINDS)[number];
const IS_CHECK_KIND: ReadonlySet<string> = new Set(CHECK_KINDS);

/** The check kinds each option applies to (options not listed apply to all). */
const OPTION_KINDS: Partial<Record<Item["kind"], readonly CheckKind[]>> = {
  timeout: ["run", "probe", "judge"], network: ["run"], expect: ["probe"], samples: ["probe"], votes: ["judge"],
};

/**
 * Bounds on check options. Past them a value is a typo, and a timer cannot hold it: Node fires a
 * timeout over 2^31-1 ms at once. The IR builder drops values outside them, so nothing
 * downstream sees a value that was reported.
 */
export const MAX_DURATION_MS = 24 * 60 * 60 * 1000;
export const MAX_SAMPLES = 10_000;
export const MAX_VOTES = 99;

/** A timeout or latency bound: longer than zero and at most a day. */
export function isUsableDuration(ms: number): boolean {
  return ms > 0 && ms <= MAX_DURATION_MS;
}

/** A whole number of probe samples from 1 to MAX_SAMPLES. */
export function isValidSamples(count: number): boolean {
  return Number.isInteger(count) && count >= 1 && count <= MAX_SAMPLES;
}

/** An odd whole number of judge votes from 1 to MAX_VOTES, so a majority exists. */
export function isValidVotes(count: number): boolean {
  return Number.isInteger(count) && count >= 1 && count <= MAX_VOTES && count % 2 === 1;
}

const PROVIDERS = ["anthropic", "claude-code", "codex", "command", "scripted"] as const;
const LATENCY_METRICS = ["p50", "p90", "p95", "p99", "max", "mean"];

/**
 * Every single-file problem in a parsed file. A block that holds a syntax error (an offset in
 * `brokenAt`) gets only the checks that look at one item at a time: its structure is what
 * recovery left of it, and checking that would only echo the error (a misspelled `owns` is not
 * also an empty `owns`), while a SHOULD without a reason next to it is a problem of its own.
 */
export function validateSpecFile(file: SpecFile, brokenAt: readonly number[] = []): Diagnostic[] {
  const out: Diagnostic[] = [];
  const broken = [...brokenAt].sort((a, b) => a - b);
  const intact: Intact = (span) => !holdsOffset(span, broken);
  for (const block of file.blocks) validateBlock(block, intact, out);
  return out;
}

/**
 * Whether a node holds no syntax error. Asked of each block, and again of each check, modify and
 * add inside it: an error in one item of a component leaves the check after it as written, and
 * that check gets every check.
 */
type Intact = (span: Span) => boolean;

/**
 * True when one of the sorted `offsets` lies inside `span`, after its first token: an error at a
 * block's first token or just past its end (a `'}'` expected there) belongs to the block before
 * it. Binary search, because a file may hold thousands of blocks and errors.
 */
function holdsOffset(span: Span, offsets: readonly number[]): boolean {
  let low = 0;
  let high = offsets.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (offsets[mid]! <= span.offset) low = mid + 1;
    else high = mid;
  }
  return low < offsets.length && offsets[low]! < span.end;
}

/** A block with a syntax error gets only item-local checks; the items in it are asked again. */
function validateBlock(block: Block, intact: Intact, out: Diagnostic[]): void {
  const whole = intact(block.span);
  if (whole) validatePlacement(block.items, block.kind, block.kind, block.name.name, out);
  validateItems(block.items, intact, out);
  if (block.kind === "component" && whole) validateComponent(block.name, block.items, out);
  if (block.kind === "system" && whole) validateSystem(block.name, block.items, out);
  for (const item of block.items) {
    if (item.kind === "modify") {
      if (intact(item.span)) validatePlacement(item.items, "modify", "modify", item.component.name, out);
      validateItems(item.items, intact, out);
    } else if (item.kind === "add") {
      const addWhole = intact(item.span);
      if (addWhole) validatePlacement(item.items, "component", "component", item.component.name, out);
      validateItems(item.items, intact, out);
      if (addWhole) validateComponent(item.component, item.items, out);
    }
  }
}

/**
 * Items in a place that does not take them, and a second of a single item. `ownerKind` and
 * `ownerName` say whose body it is ("component store"), joined only for a message. The single
 * items seen are bits of one number: a set per body, made and thrown away, cost more than the
 * rest of the check.
 */
function validatePlacement(items: readonly Item[], place: Place, ownerKind: string, ownerName: string, out: Diagnostic[]): void {
  let seenSingle = 0;
  for (const item of items) {
    if (!ALLOWED[place].has(item.kind) || (item.kind === "remove" && !removeAllowed(place, item.target))) {
      const hint = item.kind === "remove" ? removeHint(place) : HOME[item.kind];
      out.push(diagnostic("misplaced-item", item.span, { keyword: keywordOf(item), context: `${ownerKind} ${ownerName}`, hint: hint ? ` (${hint})` : "" }));
      continue;
    }
    const bit = SINGLE.get(item.kind);
    if (bit === undefined) continue;
    if ((seenSingle & bit) === 0) {
      seenSingle |= bit;
      continue;
    }
    const first = items.find((other) => other.kind === item.kind)!;
    out.push(diagnostic("duplicate-item", item.span, { keyword: item.kind, context: `${ownerKind} ${ownerName}`, line: first.span.line }));
  }
}

function removeAllowed(place: Place, target: string): boolean {
  return place === "delta" ? target === "component" : place === "modify" && target !== "component";
}

function removeHint(place: Place): string {
  return place === "delta" ? "a delta removes components; remove requirements and checks inside `modify NAME { ... }`"
    : place === "modify" ? "remove components at the delta's top level" : "`remove` belongs in a delta";
}

function keywordOf(item: Item): string {
  return item.kind === "remove" ? `remove ${item.target}` : item.kind === "add" ? "add component" : item.kind;
}

/** Checks on every item of one body, whatever the place. */
function validateItems(items: readonly Item[], intact: Intact, out: Diagnostic[]): void {
  uniqueNames(items, "requirement", out);
  uniqueNames(items, "decision", out);
  uniqueNames(items, "check", out);
  uniqueReferences(items, "depends_on", out);
  for (const item of items) {
    switch (item.kind) {
      case "requirement":
        if (REASON_REQUIRED_LEVELS.has(item.level) && !item.because) {
          out.push(diagnostic("reason-required", item.levelSpan, { id: item.id.name, level: item.level }));
        }
        expectText(item.text, `requirement ${item.id.name}`, "what is required", out);
        if (item.because) expectText(item.because, "because", "the reason", out);
        break;
      case "decision":
        expectText(item.question, `decision ${item.id.name}`, "the question", out);
        expectText(item.answer, "answer", "the answer", out);
        break;
      case "check":
        validateCheck(item, intact(item.span), out);
        break;
      case "agent":
        validateAgent(item.provider, item.argument, item.span, out);
        break;
      case "autonomy":
        expectWord(item.value, "autonomy", ["supervised", "autonomous"], out);
        break;
      case "owns": case "protect":
        for (const value of item.values) validatePath(value, item.kind, out);
        break;
      case "interface": case "root": case "container":
        validatePath(item.value, item.kind, out);
        break;
      case "start":
        expectText(item.value, "start", "the command that starts the system", out);
        break;
      case "ready":
        if (expectText(item.value, "ready", KIND_SUBJECT.probe, out)) validateRequest(item.value, "ready", out);
        break;
      default:
        break;
    }
  }
}

/** `ready` says when a system phoenix started is up, so without `start` there is nothing to ask. */
function validateSystem(name: NameRef, items: readonly Item[], out: Diagnostic[]): void {
  if (itemsOfKind(items, "start").length > 0) return;
  for (const ready of itemsOfKind(items, "ready")) out.push(diagnostic("ready-without-start", ready.span, { system: name.name }));
}

function validateComponent(name: NameRef, items: readonly Item[], out: Diagnostic[]): void {
  if (!items.some((item) => item.kind === "owns")) out.push(diagnostic("empty-owns", name.span, { component: name.name }));
  const ids: string[] = [];
  for (const item of items) if (item.kind === "requirement") ids.push(item.id.name);
  const covered = new Set<string>();
  for (const check of items) {
    if (check.kind !== "check") continue;
    for (const covers of check.items) {
      if (covers.kind !== "covers") continue;
      for (const id of covers.names) {
        covered.add(id.name);
        if (!ids.includes(id.name)) {
          const absence = `component '${name.name}' has no requirement ${id.name}`;
          const args = { check: check.name.name, id: id.name, absence, hint: didYouMean(id.name, ids) };
          out.push(diagnostic("unknown-covered-requirement", id.span, args));
        }
      }
    }
  }
  for (const r of items) {
    if (r.kind === "requirement" && MUST_LEVELS.has(r.level) && !covered.has(r.id.name)) {
      out.push(diagnostic("uncovered-requirement", r.id.span, { id: r.id.name, level: r.level, hint: "" }));
    }
  }
}

function validateCheck(check: CheckItem, whole: boolean, out: Diagnostic[]): void {
  if (whole) validatePlacement(check.items, "check", "check", check.name.name, out);
  let kind: CheckKind | undefined;
  for (const item of check.items) {
    if (!IS_CHECK_KIND.has(item.kind)) continue;
    if (kind) out.push(diagnostic("check-kind-twice", item.span, { check: check.name.name, first: kind }));
    else kind = item.kind as CheckKind;
  }
  if (!kind) {
    if (whole) out.push(diagnostic("check-kind-missing", check.name.span, { check: check.name.name }));
    return;
  }
  for (const line of check.items) if (line.kind === kind) validateKindLine(line, out);
  for (const item of check.items) {
    const kinds = OPTION_KINDS[item.kind];
    if (kinds && !kinds.includes(kind)) {
      const hint = ` (it applies to ${kinds.join(", ")} checks)`;
      out.push(diagnostic("option-not-for-kind", item.span, { option: item.kind, kind, hint }));
      continue;
    }
    validateCheckOption(item, out);
  }
  uniqueReferences(check.items, "covers", out);
  if (kind === "probe") oneExpectationPerMetric(check, `check ${check.name.name}`, out);
}

/** Two bounds on one metric contradict each other or repeat; either way one of them is a mistake. */
function oneExpectationPerMetric(check: CheckItem, owner: string, out: Diagnostic[]): void {
  const first = new Map<string, Span>();
  for (const expect of itemsOfKind(check.items, "expect")) {
    const earlier = first.get(expect.metric.name);
    if (earlier) out.push(diagnostic("duplicate-item", expect.span, { keyword: `expect ${expect.metric.name}`, context: owner, line: earlier.line }));
    else first.set(expect.metric.name, expect.span);
  }
}

/** What each kind line's string must say. */
const KIND_SUBJECT: Readonly<Record<CheckKind, string>> = {
  run: "the shell command to run", probe: 'the request, such as "GET /health"',
  judge: "the rubric the judge applies", human: "what a person must confirm",
};

function validateKindLine(line: TextItem, out: Diagnostic[]): void {
  const kind = line.kind as CheckKind;
  if (!expectText(line.value, kind, KIND_SUBJECT[kind], out)) return;
  if (kind === "probe") validateRequest(line.value, "probe", out);
}

const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/**
 * `probe "METHOD URL"` and the system's `ready "METHOD URL"`: a method the runner can send, then
 * a URL or a path on the running system.
 */
export function isValidRequest(request: string): boolean {
  const [method = "", target, ...rest] = request.trim().split(/\s+/);
  const targetOk = target !== undefined && rest.length === 0 && (target.startsWith("/") || /^https?:\/\/\S+$/.test(target));
  return HTTP_METHODS.includes(method) && targetOk;
}

function validateRequest(request: TextLit, keyword: "probe" | "ready", out: Diagnostic[]): void {
  if (isValidRequest(request.value)) return;
  const [method = ""] = request.value.trim().split(/\s+/);
  const hint = HTTP_METHODS.includes(method) ? ""
    : HTTP_METHODS.includes(method.toUpperCase()) ? ` (methods are written in capitals: ${method.toUpperCase()})`
    : didYouMean(method, HTTP_METHODS);
  out.push(diagnostic("invalid-probe", request.span, { keyword, value: request.value, methods: HTTP_METHODS.join(", "), hint }));
}

/** False, with a diagnostic, when `text` is empty or only spaces: a string that says nothing. */
function expectText(text: TextLit, keyword: string, what: string, out: Diagnostic[]): boolean {
  if (text.value.trim() !== "") return true;
  out.push(diagnostic("empty-text", text.span, { keyword, what }));
  return false;
}

function validateCheckOption(item: Item, out: Diagnostic[]): void {
  switch (item.kind) {
    case "timeout":
      if (!isUsableDuration(item.duration.ms)) out.push(diagnostic("invalid-timeout", item.duration.span, { text: item.duration.text }));
      break;
    case "network":
      expectWord(item.value, "network", ["allow", "deny"], out);
      break;
    case "votes":
      if (!isValidVotes(item.count.value)) {
        const rule = `an odd whole number from 1 to ${MAX_VOTES} (a majority must exist)`;
        out.push(diagnostic("invalid-count", item.count.span, { keyword: "votes", rule, value: item.count.value }));
      }
      break;
    case "samples":
      if (!isValidSamples(item.count.value)) {
        const rule = `a whole number from 1 to ${MAX_SAMPLES}`;
        out.push(diagnostic("invalid-count", item.count.span, { keyword: "samples", rule, value: item.count.value }));
      }
      break;
    case "expect":
      validateExpect(item, out);
      break;
    default:
      break;
  }
}

function validateExpect(item: Extract<Item, { kind: "expect" }>, out: Diagnostic[]): void {
  const metric = item.metric.name;
  if (metric === "status") {
    if (item.comparison || "ms" in item.value) {
      out.push(diagnostic("expect-status-comparison", item.span));
    } else if (!Number.isInteger(item.value.value) || item.value.value < 100 || item.value.value > 599) {
      out.push(diagnostic("invalid-status", item.value.span, { value: item.value.value }));
    }
    return;
  }
  if (!LATENCY_METRICS.includes(metric)) {
    expectWord(item.metric, "expect", ["status", ...LATENCY_METRICS], out);
    return;
  }
  if (!item.comparison || !("ms" in item.value)) out.push(diagnostic("expect-needs-comparison", item.span, { metric }));
  else if (!isUsableDuration(item.value.ms)) out.push(diagnostic("invalid-bound", item.value.span, { metric, text: item.value.text }));
}

function validateAgent(provider: NameRef, argument: TextLit | undefined, span: Span, out: Diagnostic[]): void {
  const name = provider.name;
  if (!(PROVIDERS as readonly string[]).includes(name)) {
    out.push(diagnostic("unknown-provider", provider.span, { provider: name, hint: didYouMean(name, PROVIDERS) }));
    return;
  }
  if (argument && argument.value.trim() === "" && (name === "command" || name === "scripted")) {
    expectText(argument, `agent ${name}`, name === "command" ? "the program to run" : "the script file", out);
  } else if (name === "command" && !argument) {
    out.push(diagnostic("provider-argument-required", span, { provider: name, what: "the program to run", example: "node tools/agent.js" }));
  } else if (name === "scripted" && !argument) {
    out.push(diagnostic("provider-argument-required", span, { provider: name, what: "the script file", example: "fixtures/agent-script.json" }));
  } else if ((name === "claude-code" || name === "codex") && argument) {
    out.push(diagnostic("provider-argument-unexpected", argument.span, { provider: name }));
  }
}

function expectWord(value: NameRef, keyword: string, words: readonly string[], out: Diagnostic[]): void {
  if (words.includes(value.name)) return;
  const expected = words.length === 2 ? `${words[0]} or ${words[1]}` : `one of ${words.join(", ")}`;
  out.push(diagnostic("unknown-word", value.span, { keyword, expected, word: value.name, hint: didYouMean(value.name, words) }));
}

/** Paths are relative to the root and may not leave it. */
function validatePath(value: TextLit, keyword: string, out: Diagnostic[]): void {
  const path = value.value;
  if (path.trim() === "") {
    out.push(diagnostic("empty-glob", value.span, { keyword }));
    return;
  }
  const problem = path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path) ? "is absolute"
    : /(?:^|[\\/])\.\.(?:[\\/]|$)/.test(path) ? "climbs out with '..'" : undefined;
  if (problem) out.push(diagnostic("unsafe-path", value.span, { keyword, path, problem }));
}

/** The name each named item kind declares. */
function declaredName(item: Item): NameRef | undefined {
  return item.kind === "requirement" || item.kind === "decision" ? item.id : item.kind === "check" ? item.name : undefined;
}

/**
 * Requirement IDs, decision IDs and check names are unique in one body. The first name of a kind
 * is only remembered; the map of names is made at the second, so a body of one check makes none
 * (validation ran at a third of parsing speed on maps and arrays made per body and thrown away).
 */
function uniqueNames(items: readonly Item[], kind: "requirement" | "decision" | "check", out: Diagnostic[]): void {
  let only: NameRef | undefined;
  let seen: Map<string, NameRef> | undefined;
  for (const item of items) {
    const name = item.kind === kind ? declaredName(item) : undefined;
    if (!name) continue;
    if (!only) {
      only = name;
      continue;
    }
    seen ??= new Map([[only.name, only]]);
    const earlier = seen.get(name.name);
    if (earlier) out.push(diagnostic("duplicate-name", name.span, { what: kind, name: name.name, where: `line ${earlier.span.line}` }));
    else seen.set(name.name, name);
  }
}

/** `depends_on c, c` or `covers X-1, X-1`: the list is a set, and its hash counts the second name. */
function uniqueReferences(items: readonly Item[], keyword: "depends_on" | "covers", out: Diagnostic[]): void {
  let only: NameRef | undefined; // as in uniqueNames: no map for a list of one
  let seen: Map<string, Span> | undefined;
  for (const item of items) {
    if (item.kind !== keyword) continue;
    for (const name of item.names) {
      if (!only) {
        only = name;
        continue;
      }
      seen ??= new Map([[only.name, only.span]]);
      const earlier = seen.get(name.name);
      if (earlier) out.push(diagnostic("duplicate-reference", name.span, { keyword, name: name.name, line: earlier.line, column: earlier.column }));
      else seen.set(name.name, name.span);
    }
  }
}

/**
 * Checks across the files of one spec tree that need no graph: block names are global and
 * unique (components and deltas share one namespace), and there is at most one system block.
 */
export function validateSpecTree(files: readonly SpecFile[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const first = new Map<string, Block>();
  let system: Block | undefined;
  for (const block of files.flatMap((f) => f.blocks)) {
    if (block.kind === "system") {
      if (system) out.push(diagnostic("duplicate-system", block.name.span, { where: where(system.name.span) }));
      else system = block;
      continue;
    }
    const earlier = first.get(block.name.name);
    if (!earlier) first.set(block.name.name, block);
    else if (earlier.kind === block.kind) out.push(diagnostic("duplicate-name", block.name.span, { what: block.kind, name: block.name.name, where: where(earlier.name.span) }));
    else out.push(diagnostic("name-clash", block.name.span, { what: block.kind, name: block.name.name, other: earlier.kind, where: where(earlier.name.span) }));
  }
  return out;
}

function where(span: Span): string {
  return `${span.file}:${span.line}:${span.column}`;
}
