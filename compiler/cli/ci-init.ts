/**
 * `phoenix ci init [--force]`: a GitHub Actions workflow that installs phoenix and runs
 * `phoenix verify --base origin/main` on every push and pull request: CI is the source of truth.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { execa } from "execa";
import type { CommandContext } from "./command.js";
import { UserError } from "./command.js";
import { projectDir } from "./check.js";
import { writeFileAtomic } from "../atomic-write.js";
import { displayPath } from "../spec-files.js";

export const WORKFLOW = join(".github", "workflows", "phoenix.yml");

export async function run(context: CommandContext): Promise<number> {
  const dir = projectDir(context.cwd);
  const topRun = await execa("git", ["rev-parse", "--show-toplevel"], { cwd: dir, reject: false });
  const top = topRun.exitCode === 0 ? String(topRun.stdout).trim() : dir;
  const file = join(top, WORKFLOW);
  if (existsSync(file) && context.options["force"] !== true) throw new UserError(`${displayPath(file, context.cwd)} already exists: pass --force to replace it`);
  const project = relative(top, dir) || ".";
  await mkdir(join(top, ".github", "workflows"), { recursive: true });
  await writeFileAtomic(file, workflow(project, existsSync(join(dir, "package.json"))));
  context.stdout.write(`wrote ${displayPath(file, context.cwd)}: every push and pull request runs \`phoenix verify --base origin/main\`\n`);
  return 0;
}

export function workflow(project: string, hasPackageJson: boolean): string {
  const install = hasPackageJson ? "npm ci" : "npm install --global phoenix";
  const phoenix = hasPackageJson ? "npx phoenix" : "phoenix";
  return `# Written by \`phoenix ci init\`. CI is the source of truth: if verify passes, the code can ship.
name: phoenix verify
on:
  push:
  pull_request:
jobs:
  verify:
    runs-on: ubuntu-latest
    defaults:
      run:
        working-directory: ${project}
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0 # verify --base compares with origin/main: it needs the history
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - name: Sandbox for checks
        run: sudo apt-get update && sudo apt-get install -y bubblewrap
      - name: Install phoenix
        run: ${install}
      - name: phoenix verify
        run: ${phoenix} verify --base origin/main --junit phoenix-verify.xml
      - name: Keep the report
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: phoenix-verify
          path: ${project === "." ? "" : `${project}/`}phoenix-verify.xml
`;
}
