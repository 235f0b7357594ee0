import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { calcCode, calcProject } from "../../fixtures/build-project.js";
import { runPhoenix, tempDir } from "../../fixtures/run-phoenix.js";
import { parseJournal } from "../../compiler/build/journal.js";

/**
 * A fake vendor CLI on PATH: records its arguments, working directory and stdin, writes the
 * component's file in the workspace (its working directory) and prints what the real one prints.
 */
async function fakeCli(name: string, printed: string): Promise<{ bin: string; record: string }> {
  const bin = await tempDir(`phoenix-fake-${name}-`);
  const record = join(bin, "record");
  await writeFile(join(bin, name), `#!/bin/sh
{ printf 'args:'; printf ' %s' "$@"; printf '\\ncwd: %s\\nnode: %s attempt %s\\nstdin:\\n' "$PWD" "$PHOENIX_NODE" "$PHOENIX_ATTEMPT"; cat; } > "${record}"
mkdir -p src/extra
cat > src/extra/index.js <<'EOF'
${calcCode.extra["src/extra/index.js"].trim()}
EOF
cat <<'EOF'
${printed}
EOF
`);
  await chmod(join(bin, name), 0o755);
  return { bin, record };
}

const path = (bin: string) => `${bin}:${process.env["PATH"]}`;

describe("vendor CLI agents, headless", () => {
  it("claude-code: runs `claude -p` in the workspace with the pack on stdin, and reads its token usage", async () => {
    const claude = await fakeCli("claude", JSON.stringify({ type: "result", subtype: "success", is_error: false, result: "Done.", usage: { input_tokens: 1200, output_tokens: 80 } }));
    const dir = await calcProject({});
    const run = await runPhoenix(["build", "extra", "--agent", "claude-code:claude-opus-test", "--sandbox", "none"], { cwd: dir, env: { PATH: path(claude.bin) } });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.stdout).toContain('agent: claude-code "claude-opus-test"');
    const record = await readFile(claude.record, "utf8");
    expect(record).toMatch(/^args: -p --output-format json --permission-mode acceptEdits --model claude-opus-test\n/);
    // the workspace, an overlay here, shows at the root's own path
    expect(record).toContain(`\ncwd: ${join(dir, "system-under-construction")}\n`);
    expect(record).toContain("node: extra attempt 1\nstdin:\n# phoenix context pack: component extra, attempt 1\n");
    expect(record).toContain("write your question to the file named by the environment variable PHOENIX_QUESTION_FILE");
    const [entry] = parseJournal(await readFile(join(dir, ".phoenix", "journal.jsonl"), "utf8")).entries;
    expect(entry).toMatchObject({ outcome: "green", agent: 'claude-code "claude-opus-test"', tokens: { input: 1200, output: 80 } });
  });

  it("codex: runs `codex exec -` in the workspace with the pack on stdin, and adds up its turns' token usage", async () => {
    const events = [{ type: "turn.completed", usage: { input_tokens: 500, output_tokens: 30 } }, { type: "item.completed" }, { type: "turn.completed", usage: { input_tokens: 700, output_tokens: 40 } }];
    const codex = await fakeCli("codex", events.map((e) => JSON.stringify(e)).join("\n"));
    const dir = await calcProject({});
    const run = await runPhoenix(["build", "extra", "--agent", "codex", "--sandbox", "none"], { cwd: dir, env: { PATH: path(codex.bin) } });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(await readFile(codex.record, "utf8")).toMatch(/^args: exec --skip-git-repo-check --sandbox workspace-write --json -\n/);
    const [entry] = parseJournal(await readFile(join(dir, ".phoenix", "journal.jsonl"), "utf8")).entries;
    expect(entry).toMatchObject({ outcome: "green", agent: "codex", tokens: { input: 1200, output: 70 } });
  });

  it("claude-code under bubblewrap: keeps its login from the user's home, and nothing else of it", async () => {
    const home = await tempDir("phoenix-home-");
    await mkdir(join(home, ".claude"));
    await writeFile(join(home, ".claude", "credentials.json"), "the user's login\n");
    // a program under /tmp, which the sandbox's private /tmp would hide but for its own folder
    const bin = await tempDir("phoenix-fake-claude-");
    await writeFile(join(bin, "claude"), `#!/bin/sh
cat "$HOME/.claude/credentials.json" > "$HOME/.claude/seen"
echo "the CLI's session" > "$HOME/.claude/session"
echo stray > "$HOME/stray"
mkdir -p src/extra
cat > src/extra/index.js <<'EOF'
${calcCode.extra["src/extra/index.js"].trim()}
EOF
echo '{"type":"result","subtype":"success","is_error":false,"result":"Done.","usage":{"input_tokens":1,"output_tokens":1}}'
`);
    await chmod(join(bin, "claude"), 0o755);
    const dir = await calcProject({});
    const run = await runPhoenix(["build", "extra", "--agent", "claude-code", "--sandbox", "bwrap"], { cwd: dir, env: { PATH: path(bin), HOME: home } });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(await readFile(join(home, ".claude", "seen"), "utf8")).toBe("the user's login\n");
    expect(await readFile(join(home, ".claude", "session"), "utf8")).toBe("the CLI's session\n");
    // the rest of HOME is the sandbox's own
    expect(existsSync(join(home, "stray"))).toBe(false);
  });

  it("says which executable is missing before any node starts", async () => {
    const dir = await calcProject({});
    const empty = await tempDir();
    for (const [provider, message] of [
      ["claude-code", "phoenix: agent claude-code: `claude` is not on PATH; install the `claude` CLI (npm install -g @anthropic-ai/claude-code), or choose another agent with --agent"],
      ["codex", "phoenix: agent codex: `codex` is not on PATH; install the `codex` CLI (npm install -g @openai/codex), or choose another agent with --agent"],
    ] as const) {
      const run = await runPhoenix(["build", "extra", "--agent", provider, "--sandbox", "none"], { cwd: dir, env: { PATH: `${empty}:${join(process.execPath, "..")}` } });
      expect(run.stderr).toBe(message);
      expect(run.exitCode).toBe(1);
    }
  });
});
