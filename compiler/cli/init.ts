/**
 * `phoenix init [DIR]`: scaffold a project the way a user starts one. Refuses to overwrite:
 * if any file it would create exists, it writes nothing and names the files.
 */
import { existsSync, statSync } from "node:fs";
import { appendFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { CommandContext } from "./command.js";
import { UsageError, UserError } from "./command.js";
import { describeIoError, displayPath } from "../spec-files.js";

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export async function run(context: CommandContext): Promise<number> {
  const dir = resolve(context.cwd, context.args[0] ?? ".");
  const where = displayPath(dir, context.cwd);
  const name = systemName(context.options["name"] as string | undefined, dir);
  const files = scaffold(name);
  const blocker = nonDirectoryOnPath(dir);
  if (blocker) throw new UserError(`cannot create a project in ${where}: ${displayPath(blocker, context.cwd)} is a file, not a directory`);
  const existing = Object.keys(files).filter((path) => existsSync(join(dir, path)));
  if (existing.length > 0) {
    throw new UserError(`refusing to overwrite existing files in ${where}: ${existing.join(", ")}`);
  }
  try {
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content, { flag: "wx" });
    }
    await ignorePhoenixState(dir);
  } catch (error) {
    throw new UserError(`cannot create a project in ${where}: ${describeIoError(error)}`);
  }
  context.stdout.write([
    `Created phoenix project '${name}' in ${where}:`,
    ...Object.keys(files).map((path) => `  ${path}`),
    "  .gitignore (ignores .phoenix/ and phoenix.lock.bak)",
    "",
    "Next: describe your system in specs/*.phx, then run `phoenix check`.",
    "",
  ].join("\n"));
  return 0;
}

/** The nearest existing path at or above `dir`, when it is not a directory: nothing can be created under it. */
function nonDirectoryOnPath(dir: string): string | undefined {
  for (let path = dir; ; path = dirname(path)) {
    if (existsSync(path)) return statSync(path).isDirectory() ? undefined : path;
    if (dirname(path) === path) return undefined;
  }
}

function systemName(given: string | undefined, dir: string): string {
  if (given !== undefined) {
    if (!IDENTIFIER.test(given)) throw new UsageError(`--name '${given}' is not a valid name: use letters, digits, '_' and '-', starting with a letter or '_'`);
    return given;
  }
  const fromDir = basename(dir).replace(/[^A-Za-z0-9_-]/g, "-").replace(/^[^A-Za-z_]+/, "");
  return fromDir === "" ? "system" : fromDir;
}

/** Keeps phoenix's local state (and the lock's backup) out of git, adding only the lines that are missing. */
async function ignorePhoenixState(dir: string): Promise<void> {
  const path = join(dir, ".gitignore");
  const current = existsSync(path) ? await readFile(path, "utf8") : "";
  const lines = current.split(/\r?\n/).map((line) => line.trim());
  const missing = [[".phoenix/", ".phoenix"], ["phoenix.lock.bak"]].filter((names) => !names.some((n) => lines.includes(n))).map((names) => names[0]!);
  if (missing.length === 0) return;
  await appendFile(path, `${current === "" || current.endsWith("\n") ? "" : "\n"}${missing.map((m) => `${m}\n`).join("")}`);
}

/** The files of a new project, by path. */
function scaffold(name: string): Record<string, string> {
  return {
    "specs/system.phx": `// The desired state of ${name}: every .phx file under specs/ (deltas in specs/deltas/).
system ${name} {
  description "What ${name} is for, in a sentence or two: agents read this first."
  root "system-under-construction"  // the only directory agents may change
  container "project-container"     // dev environment, relative to root
  agent claude-code                 // the agent that writes the code
  protect "test/**"                 // human-written tests: no agent may change them
}

component app {
  description "The first component. Split the system into components as it grows."
  owns "src/**"

  requirement APP-1 MUST "The program prints a greeting when it starts."

  check unit {
    run "npm test"
    covers APP-1
    timeout 60s
  }
}
`,
    "system-under-construction/README.md": `# ${name}

This directory holds the code that phoenix builds from \`specs/\`. Agents change files here, and
only here; everything they write is checked before it lands.

Agents read this README as context: say what the system does, how it is built and tested, and
the conventions code here must follow.
`,
    "system-under-construction/project-container/Containerfile": `# The dev environment of ${name}: the image checks run in.
FROM docker.io/library/node:20-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends git bubblewrap && rm -rf /var/lib/apt/lists/*
WORKDIR /workspace
`,
    "system-under-construction/project-container/devcontainer.json": `${JSON.stringify({
      name,
      build: { dockerfile: "Containerfile", context: ".." },
      workspaceFolder: "/workspace",
      workspaceMount: "source=${localWorkspaceFolder},target=/workspace,type=bind",
    }, null, 2)}\n`,
  };
}
