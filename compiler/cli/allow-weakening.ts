/**
 * `phoenix allow-weakening --base REF --reason "..." [--by NAME]`: a person signs off on the
 * weakenings found against REF. phoenix.lock records the reason, the person and exactly those
 * findings (by fingerprint): a later weakening needs its own sign-off. Agents cannot do this: the
 * guard refuses any change an agent makes to phoenix.lock.
 */
import type { CommandContext } from "./command.js";
import { UsageError, UserError } from "./command.js";
import { projectDir } from "./check.js";
import { personName } from "../humans/person.js";
import { readLock, withWriterLock, writeLock } from "../lock/index.js";
import type { SandboxMode } from "../build/types.js";
import { verifyProject } from "../verify/verify.js";

export async function run(context: CommandContext): Promise<number> {
  const base = context.options["base"];
  const reason = typeof context.options["reason"] === "string" ? context.options["reason"].trim() : "";
  if (typeof base !== "string") throw new UsageError("--base REF is required: the ref the weakenings are measured against (e.g. origin/main)");
  if (reason === "") throw new UsageError("--reason is required: say why these checks may be weaker");
  const dir = projectDir(context.cwd);
  // the same findings `phoenix verify --base` reports (with --fast, without running checks: no coverage measured)
  const found = await verifyProject({
    projectDir: dir, cwd: context.cwd, fast: context.options["fast"] === true, base, sandbox: (context.options["sandbox"] ?? "auto") as SandboxMode,
    env: process.env, onWarning: (message) => context.stderr.write(`phoenix: warning: ${message}\n`),
  });
  if (found.problems.some((p) => p.kind === "spec")) throw new UserError("the specs have errors: run `phoenix check` and fix them first");
  if (!found.base) throw new UserError(`--base ${base}: could not compare`);
  return withWriterLock(dir, async () => {
    const { lock } = await readLock(dir, { cwd: context.cwd });
    if (found.findings.length === 0) {
      context.stdout.write(`nothing to sign off: no check is weaker than at ${base}${found.allowed.length > 0 ? ` (${found.allowed.length} already signed off)` : ""}\n`);
      return 0;
    }
    const by = await personName(context.options["by"], dir);
    const allowance = {
      by, at: new Date().toISOString(), reason, base: found.base!.commit,
      findings: found.findings.map((f) => ({ fingerprint: f.fingerprint, rule: f.rule, component: f.component, subject: f.subject, message: f.message })),
    };
    await writeLock(dir, { ...lock, allowances: [...(lock.allowances ?? []), allowance] });
    context.stdout.write(`${by} signed off ${found.findings.length} weakening${found.findings.length === 1 ? "" : "s"} against ${base}:\n` +
      `${found.findings.map((f) => `  ${f.rule}: ${f.message} (${f.file}:${f.line})`).join("\n")}\nreason: ${reason}\n`);
    return 0;
  }, { onWarning: (message) => context.stderr.write(`phoenix: warning: ${message}\n`) });
}
