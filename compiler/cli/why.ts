/**
 * `phoenix why FILE`: provenance. Which component owns the file, the requirements and decisions
 * it was built from, the build that wrote it (when, which agent, how many attempts), the checks
 * that passed, approvals and adopted hand edits. A file no component owns is said to be the
 * humans' own.
 */
import { readFile } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import picomatch from "picomatch";
import type { CommandContext } from "./command.js";
import { UserError } from "./command.js";
import { projectDir } from "./check.js";
import { lastBuilds, readJournal } from "../build/journal.js";
import { normaliseGlob } from "../globs.js";
import { sha256 } from "../hash.js";
import { readLock } from "../lock/index.js";
import { isSound, loadProject } from "../project.js";
import { climbsOut } from "../paths.js";

export async function run(context: CommandContext): Promise<number> {
  const [file] = context.args as [string];
  const dir = projectDir(context.cwd);
  const project = await loadProject(dir, context.cwd);
  if (!isSound(project)) throw new UserError("the specs have errors: run `phoenix check` and fix them first");
  const ir = project.desired;
  const rootDir = join(dir, ir.system.root);
  const path = relative(rootDir, resolve(context.cwd, file)).split(sep).join("/");
  if (climbsOut(path) || path === "") throw new UserError(`${file} is outside the root (${ir.system.root}/): phoenix builds only what is in it`);
  const owner = ir.components.find((c) => picomatch(c.owns.map((o) => normaliseGlob(o.value)), { dot: true })(path));
  const out = (line = "") => context.stdout.write(`${line}\n`);
  if (!owner) {
    const protectedBy = ir.system.protect.find((glob) => picomatch(normaliseGlob(glob), { dot: true })(path));
    out(`${path}: no component owns it, so no agent wrote it${protectedBy ? `; it is protected (${protectedBy}): the humans' own, and no agent may change it` : ": it is the humans' own"}.`);
    return 0;
  }
  const { lock } = await readLock(dir, { cwd: context.cwd });
  const built = lock.components[owner.name];
  out(`${path}: owned by component ${owner.name} (owns ${owner.owns.map((o) => o.value).join(", ")}; declared in ${owner.at.file}:${owner.at.line})`);
  out(owner.description ? `  ${owner.description}` : "");
  out("Built to meet:");
  for (const r of owner.requirements) out(`  ${r.id} ${r.level}: ${r.text}${r.because ? ` (because ${r.because})` : ""}`);
  for (const d of owner.decisions) out(`  decision ${d.id}: ${d.question} -> ${d.answer}`);
  out();
  if (!built) {
    out(`No build of ${owner.name} is recorded: phoenix did not write this file.`);
    return 0;
  }
  const recorded = built.outputs[path];
  const bytes = await readFile(join(rootDir, path)).catch(() => undefined);
  const state = recorded === undefined ? "not among the files its last build produced"
    : bytes === undefined ? "deleted since its last build (drift)"
    : sha256(bytes) === recorded ? "exactly as its last build wrote it" : "changed by hand since its last build (drift)";
  const last = lastBuilds((await readJournal(dir)).entries).get(owner.name);
  const attempts = last && last.inputHash === built.inputHash ? `, green on attempt ${last.attempt} of ${last.maxAttempts}` : "";
  const agent = built.agent ? `${built.agent.provider}${built.agent.argument ? ` ${JSON.stringify(built.agent.argument)}` : ""}` : "no agent";
  out(`Last build: ${built.builtAt} by ${agent} (${built.promptVersion})${attempts}; the file is ${state}.`);
  out(`Checks then: ${Object.entries(built.checks).map(([name, v]) => `${name} ${v.verdict}`).join(", ") || "none ran"}.`);
  const approvals = built.approvals.filter((a) => a.outputHash === built.outputHash);
  out(approvals.length > 0 ? `Approved by ${approvals.map((a) => `${a.by}${a.check ? ` (check ${a.check})` : ""} on ${a.at.slice(0, 10)}`).join(", ")}.` : owner.autonomy === "supervised" ? "Not approved yet." : "Autonomous: no approval needed.");
  if (built.adoption) out(`Hand edits adopted by ${built.adoption.by} on ${built.adoption.at.slice(0, 10)} as a ${built.adoption.kind}: ${built.adoption.reason}${built.adoption.expires ? ` (until ${built.adoption.expires})` : ""}.`);
  return 0;
}
