/**
 * The typed syntax tree of one .phx file. It is faithful to the source: blocks and items keep
 * their order, and every node carries its span. Meaning across files (names, graphs, deltas
 * folded in) belongs to the compiler's IR, not here.
 */

/** Where a node sits in its file. Lines and columns count from 1; `end` is the offset just past it. */
export interface Span {
  file: string;
  line: number;
  column: number;
  offset: number;
  end: number;
  endLine: number;
  endColumn: number;
}

/** A string literal with its cooked value (escapes resolved, triple-quote indentation removed). */
export interface TextLit {
  value: string;
  triple: boolean;
  span: Span;
}

/** An identifier in name position: a component, check, delta or requirement ID. */
export interface NameRef {
  name: string;
  span: Span;
}

/** A number literal. */
export interface NumberLit {
  value: number;
  span: Span;
}

/** A duration such as `30s`, held in milliseconds and as written. */
export interface DurationLit {
  ms: number;
  text: string;
  span: Span;
}

/** The RFC 2119 keyword of a requirement. */
export type RequirementLevel =
  | "MUST" | "MUST NOT" | "REQUIRED" | "SHALL" | "SHALL NOT"
  | "SHOULD" | "SHOULD NOT" | "RECOMMENDED" | "MAY" | "MAY NOT" | "OPTIONAL";

/** Levels that demand a `because` (RFC 2119: the implications must be understood and weighed). */
export const REASON_REQUIRED_LEVELS: ReadonlySet<RequirementLevel> = new Set([
  "SHOULD", "SHOULD NOT", "RECOMMENDED", "MAY", "MAY NOT", "OPTIONAL",
]);

/** Absolute levels: a check ought to cover each of these. */
export const MUST_LEVELS: ReadonlySet<RequirementLevel> = new Set([
  "MUST", "MUST NOT", "REQUIRED", "SHALL", "SHALL NOT",
]);

/** Items whose argument is a single string. */
export type TextItemKind =
  | "description" | "root" | "container" | "start" | "ready" | "interface" | "run" | "probe" | "judge" | "human";

/** `description "..."`, `run "..."` and the other one-string items. */
export interface TextItem {
  kind: TextItemKind;
  value: TextLit;
  span: Span;
}

/** `owns "a", "b"` or `protect "a", "b"`. */
export interface TextListItem {
  kind: "owns" | "protect";
  values: TextLit[];
  span: Span;
}

/** `depends_on a, b` or `covers ID-1, ID-2`. */
export interface NameListItem {
  kind: "depends_on" | "covers";
  names: NameRef[];
  span: Span;
}

/** `agent PROVIDER ["argument"]`. */
export interface AgentItem {
  kind: "agent";
  provider: NameRef;
  argument?: TextLit;
  span: Span;
}

/** `autonomy supervised` or `network allow`: a keyword-valued setting. */
export interface WordItem {
  kind: "autonomy" | "network";
  value: NameRef;
  span: Span;
}

/** `requirement ID LEVEL "text" [because "reason"]`. */
export interface RequirementItem {
  kind: "requirement";
  id: NameRef;
  level: RequirementLevel;
  levelSpan: Span;
  text: TextLit;
  because?: TextLit;
  span: Span;
}

/** `decision ID "question" answer "answer"`. */
export interface DecisionItem {
  kind: "decision";
  id: NameRef;
  question: TextLit;
  answer: TextLit;
  span: Span;
}

/** `check NAME { ... }`; its body holds the kind line and the options. */
export interface CheckItem {
  kind: "check";
  name: NameRef;
  items: Item[];
  span: Span;
}

/** `timeout 30s`. */
export interface TimeoutItem {
  kind: "timeout";
  duration: DurationLit;
  span: Span;
}

/** `expect status 200` or `expect p95 < 100ms`. */
export interface ExpectItem {
  kind: "expect";
  metric: NameRef;
  /** Present for latency bounds (`<` or `<=`), absent for `status`. */
  comparison?: "<" | "<=";
  value: NumberLit | DurationLit;
  span: Span;
}

/** `samples N` or `votes N`. */
export interface CountItem {
  kind: "samples" | "votes";
  count: NumberLit;
  span: Span;
}

/** `advisory`: the check is reported but never blocks. */
export interface AdvisoryItem {
  kind: "advisory";
  span: Span;
}

/** `modify COMPONENT [base "sha256:..."] { ... }` inside a delta. */
export interface ModifyItem {
  kind: "modify";
  component: NameRef;
  base?: TextLit;
  items: Item[];
  span: Span;
}

/** `add component NAME { ... }` inside a delta. */
export interface AddComponentItem {
  kind: "add";
  component: NameRef;
  items: Item[];
  span: Span;
}

/** What `remove` deletes. */
export type RemoveTarget = "component" | "requirement" | "check" | "depends_on";

/** `remove requirement ID`, `remove check NAME`, `remove depends_on NAME`, `remove component NAME`. */
export interface RemoveItem {
  kind: "remove";
  target: RemoveTarget;
  name: NameRef;
  span: Span;
}

/** Anything that may stand inside a block. Where each may stand is checked by validate.ts. */
export type Item =
  | TextItem | TextListItem | NameListItem | AgentItem | WordItem | RequirementItem | DecisionItem
  | CheckItem | TimeoutItem | ExpectItem | CountItem | AdvisoryItem | ModifyItem | AddComponentItem
  | RemoveItem;

/** `system NAME { ... }`. */
export interface SystemBlock {
  kind: "system";
  name: NameRef;
  items: Item[];
  span: Span;
}

/** `component NAME { ... }`. */
export interface ComponentBlock {
  kind: "component";
  name: NameRef;
  items: Item[];
  span: Span;
}

/** `delta NAME "summary" { ... }`. */
export interface DeltaBlock {
  kind: "delta";
  name: NameRef;
  summary: TextLit;
  items: Item[];
  span: Span;
}

/** A top-level block. */
export type Block = SystemBlock | ComponentBlock | DeltaBlock;

/** A comment, kept so the formatter can put it back. */
export interface Comment {
  kind: "line" | "block";
  text: string;
  span: Span;
}

/** One parsed .phx file. */
export interface SpecFile {
  path: string;
  blocks: Block[];
  comments: Comment[];
}

type WithKind<U, K> = U extends { kind: infer UK } ? (K extends UK ? U : never) : never;

/** The item type that can have kind K (`covers` -> NameListItem). */
export type ItemOfKind<K extends Item["kind"]> = WithKind<Item, K>;

/** The items of a block or check with the given kind, typed. */
export function itemsOfKind<K extends Item["kind"]>(items: readonly Item[], kind: K): ItemOfKind<K>[] {
  return items.filter((item): item is ItemOfKind<K> => item.kind === kind);
}
