/**
 * Adding one item to a component in a spec file, as a person would: a new line before the
 * block's closing brace, indented like the block's other items, and nothing else in the file
 * touched (comments and layout stay byte for byte). Pure; the caller writes the file.
 */
import { parseSpec, type ComponentBlock, type SpecFile } from "../../spec-lang/index.js";
import { quoteString } from "../../spec-lang/literals.js";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../atomic-write.js";
import { UserError } from "../cli/command.js";
import { loadSpecs } from "../spec-files.js";

/** `decision ID "question" answer "answer"`. */
export function decisionLine(id: string, question: string, answer: string): string {
  return `decision ${id} ${quoteString(question)} answer ${quoteString(answer)}`;
}

/** `requirement ID MUST "text"`. */
export function requirementLine(id: string, text: string): string {
  return `requirement ${id} MUST ${quoteString(text)}`;
}

/** `text` with `line` added as the last item of `block`; throws if the result does not parse to exactly that. */
export function addItem(text: string, block: ComponentBlock, line: string): string {
  const close = block.span.end - 1;
  if (text[close] !== "}") throw new Error(`component ${block.name.name} does not end with '}' at offset ${close}`);
  const indent = itemIndent(text, block);
  const lineStart = text.lastIndexOf("\n", close - 1) + 1;
  // a closing brace alone on its line gets the item on a line of its own before it
  const braceAlone = text.slice(lineStart, close).trim() === "";
  const result = braceAlone
    ? `${text.slice(0, lineStart)}${indent}${line}\n${text.slice(lineStart)}`
    : `${text.slice(0, close).trimEnd()}\n${indent}${line}\n${text.slice(close)}`;
  const parsed = parseSpec(result, block.span.file);
  if (parsed.diagnostics.some((d) => d.severity === "error")) throw new Error(`adding '${line}' would break ${block.span.file}`);
  return result;
}

/** The indentation of the block's items (that of its first item's line), or two spaces. */
function itemIndent(text: string, block: ComponentBlock): string {
  const first = block.items[0];
  if (!first) return "  ";
  const lineStart = text.lastIndexOf("\n", first.span.offset - 1) + 1;
  const indent = text.slice(lineStart, first.span.offset);
  return /^[ \t]*$/.test(indent) ? indent : "  ";
}

/** The base spec file declaring component `name`, and its block; a UserError when no base file does. */
export async function findComponentFile(projectDir: string, name: string): Promise<{ path: string; text: string; file: SpecFile; block: ComponentBlock }> {
  const specsDir = join(projectDir, "specs");
  const { files } = await loadSpecs([specsDir], projectDir);
  for (const file of files) {
    const block = file.blocks.find((b): b is ComponentBlock => b.kind === "component" && b.name.name === name);
    if (block) {
      const path = join(projectDir, file.path);
      return { path, text: await readFile(path, "utf8"), file, block };
    }
  }
  throw new UserError(`component ${name} is not declared in any spec file (a delta may add it: apply the delta first with \`phoenix delta apply\`)`);
}

/** Adds `line` to component `name`'s block in its spec file, atomically. Returns the file's path. */
export async function addItemToComponent(projectDir: string, name: string, line: string): Promise<string> {
  const { path, text, block } = await findComponentFile(projectDir, name);
  await writeFileAtomic(path, addItem(text, block, line));
  return path;
}
