/**
 * `phoenix hooks install [--force] [--chain]` and `phoenix hooks uninstall`: a git pre-commit
 * hook that runs `phoenix verify --fast --staged`, so a commit that drifts a file, leaves a
 * component stale or breaks the specs is stopped before it is made. A hook that is not phoenix's
 * is never overwritten silently: --force replaces it, --chain keeps it and runs it first.
 */
import { execa } from "execa";
import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { isAbsolute, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { CommandContext } from "./command.js";
import { UserError } from "./command.js";
import { projectDir } from "./check.js";

const MARKER = "# installed by `phoenix hooks install`";
const MAIN = fileURLToPath(new URL("./main.js", import.meta.url));

export async function run(context: CommandContext): Promise<number> {
  const action = context.args[0];
  const dir = projectDir(context.cwd);
  const { hook, top } = await hookPath(dir);
  const existing = await readFile(hook, "utf8").catch(() => undefined);
  const ours = existing?.includes(MARKER) ?? false;
  if (action === "uninstall") {
    if (!existing) return say(context, "there is no pre-commit hook to remove");
    if (!ours) throw new UserError(`${hook} is not phoenix's hook: left as it is`);
    await rm(hook);
    const chained = `${hook}.local`;
    if (await readFile(chained).then(() => true, () => false)) {
      await rename(chained, hook);
      return say(context, `removed phoenix's pre-commit hook; the hook it chained to is back in ${hook}`);
    }
    return say(context, `removed phoenix's pre-commit hook (${hook})`);
  }
  const chain = context.options["chain"] === true;
  const force = context.options["force"] === true;
  if (existing && !ours && !chain && !force) {
    throw new UserError(`${hook} already exists and is not phoenix's: pass --chain to run it before phoenix's, or --force to replace it`);
  }
  if (existing && !ours && chain) await rename(hook, `${hook}.local`);
  await mkdir(join(hook, ".."), { recursive: true });
  await writeFile(hook, hookScript(relative(top, dir) || "."));
  await chmod(hook, 0o755);
  return say(context, `installed a pre-commit hook in ${hook}: every commit runs \`phoenix verify --fast --staged\`${existing && !ours && chain ? " after the hook that was there (now pre-commit.local)" : ""}`);
}

function say(context: CommandContext, line: string): number {
  context.stdout.write(`${line}\n`);
  return 0;
}

async function hookPath(dir: string): Promise<{ hook: string; top: string }> {
  const top = await execa("git", ["rev-parse", "--show-toplevel"], { cwd: dir, reject: false });
  if (top.exitCode !== 0) throw new UserError("hooks: this project is not in a git repository (run `git init` first)");
  const hooks = String((await execa("git", ["rev-parse", "--git-path", "hooks"], { cwd: dir })).stdout).trim();
  return { hook: join(isAbsolute(hooks) ? hooks : join(dir, hooks), "pre-commit"), top: String(top.stdout).trim() };
}

/** Git runs hooks at the top of the work tree; the project may be a folder below it. */
function hookScript(projectFromTop: string): string {
  return `#!/bin/sh
${MARKER}: verify what is about to be committed.
# Remove with \`phoenix hooks uninstall\`; skip once with \`git commit --no-verify\` (CI still checks).
hook="$0"
if [ -x "$hook.local" ]; then "$hook.local" "$@" || exit $?; fi
cd ${shellQuote(projectFromTop)} || exit 1
phoenix=${shellQuote(MAIN)}
if [ -f "$phoenix" ]; then
  exec ${shellQuote(process.execPath)} "$phoenix" verify --fast --staged
fi
exec npx --no-install phoenix verify --fast --staged
`;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}
