/**
 * `phoenix verify [--fast] [--staged] [--base REF] [--json] [--junit FILE]`: for CI and
 * pre-commit. Regenerates nothing; exit 0 only when there is no problem, 1 with every problem
 * listed. On GitHub Actions (GITHUB_ACTIONS=true) problems are also annotations on their lines.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import type { CommandContext } from "./command.js";
import { UsageError, UserError } from "./command.js";
import { projectDir } from "./check.js";
import { writeFileAtomic } from "../atomic-write.js";
import type { SandboxMode } from "../build/types.js";
import { formatVerify, githubAnnotations, verifyJson, verifyJunit } from "../verify/output.js";
import { verifyProject } from "../verify/verify.js";
import { displayPath } from "../spec-files.js";

/** execa takes about 0.2 s to import: loaded when a program is first run, not before. */
const loadExeca = () => import("execa").then((m) => m.execa);

export async function run(context: CommandContext): Promise<number> {
  const fast = context.options["fast"] === true;
  const staged = context.options["staged"] === true;
  if (staged && !fast) throw new UsageError("--staged needs --fast: the staged files are checked out without installed packages, so checks cannot run there");
  const realDir = projectDir(context.cwd);
  const snapshot = staged ? await stagedSnapshot(realDir) : undefined;
  try {
    const dir = snapshot?.projectDir ?? realDir;
    const report = await verifyProject({
      projectDir: dir, cwd: snapshot ? dir : context.cwd, fast, sandbox: context.options["sandbox"] as SandboxMode, env: process.env,
      ...(typeof context.options["base"] === "string" && { base: context.options["base"] }),
      onWarning: (message) => context.stderr.write(`phoenix: warning: ${message}\n`),
    });
    if (typeof context.options["junit"] === "string") {
      const file = join(context.cwd, context.options["junit"]);
      await writeFileAtomic(file, verifyJunit(report));
      if (context.options["json"] !== true) context.stderr.write(`phoenix: wrote ${displayPath(file, context.cwd)}\n`);
    }
    if (process.env["GITHUB_ACTIONS"] === "true") context.stdout.write(githubAnnotations(report));
    context.stdout.write(context.options["json"] === true ? verifyJson(report) : formatVerify(report));
    return report.ok ? 0 : 1;
  } finally {
    await snapshot?.cleanup();
  }
}

/** The project as the git index has it (what the next commit would hold), in a temporary folder. */
async function stagedSnapshot(dir: string): Promise<{ projectDir: string; cleanup: () => Promise<void> }> {
  const execa = await loadExeca();
  const topRun = await execa("git", ["rev-parse", "--show-toplevel"], { cwd: dir, reject: false });
  if (topRun.exitCode !== 0) throw new UserError("--staged: this project is not in a git repository");
  const top = String(topRun.stdout).trim();
  const prefix = relative(top, dir);
  const temp = await mkdtemp(join(tmpdir(), "phoenix-staged-"));
  try {
    const files = await execa("git", ["ls-files", "-z", "--cached", "--", prefix === "" ? "." : prefix], { cwd: top });
    await execa("git", ["checkout-index", `--prefix=${temp}/`, "-z", "--stdin"], { cwd: top, input: String(files.stdout) });
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw new UserError(`--staged: cannot check out the staged files: ${(error as Error).message.split("\n")[0]}`);
  }
  return { projectDir: join(temp, prefix), cleanup: () => rm(temp, { recursive: true, force: true }) };
}
