import { describe, expect, it } from "vitest";
import { chmod, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { tempDir } from "../../fixtures/run-phoenix.js";
import { runCheck } from "./checks.js";
import { runProcess } from "./process/index.js";
import { openSandbox } from "./sandbox.js";
import type { Check } from "../ir.js";

const at = { file: "x.phx", line: 1, column: 1, offset: 0, end: 0, endLine: 1, endColumn: 1 };
const check = (subject: string, extra: Partial<Check> = {}): Check => ({ name: "probe", kind: "run", subject, expect: [], covers: [], advisory: false, at, ...extra });

describe("the bubblewrap sandbox", () => {
  it("lets a program write its workspace and nothing else: the rest of the machine is read-only", async () => {
    const dir = await tempDir();
    const workspace = join(dir, "ws");
    await mkdir(workspace);
    const sandbox = await openSandbox("bwrap", { scratchDir: join(dir, ".phoenix"), onWarning: () => undefined });
    expect(sandbox.kind).toBe("bwrap");
    const argv = sandbox.wrap(["sh", "-c", `echo in > inside.txt; echo out > ${join(dir, "outside.txt")}`], { workspace, readable: [dir], network: false });
    const result = await runProcess({ argv, cwd: workspace, env: process.env });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/Read-only file system/);
    expect(await readFile(join(workspace, "inside.txt"), "utf8")).toBe("in\n");
    await expect(readFile(join(dir, "outside.txt"))).rejects.toThrow(/ENOENT/);
  });

  it("lets a check run the tools of a node_modules linked from under /tmp, which the private /tmp would hide", async () => {
    const dir = await tempDir();
    const tools = join(dir, "elsewhere", "node_modules");
    await mkdir(join(tools, ".bin"), { recursive: true });
    await writeFile(join(tools, ".bin", "greet"), "#!/bin/sh\necho hello from a linked tool\n");
    await chmod(join(tools, ".bin", "greet"), 0o755);
    const project = join(dir, "project");
    await mkdir(join(project, "root"), { recursive: true });
    await symlink(tools, join(project, "node_modules"));
    const sandbox = await openSandbox("bwrap", { scratchDir: join(dir, ".phoenix"), onWarning: () => undefined });
    const result = await runCheck({ check: check("greet"), owner: "x" }, { workspace: join(project, "root"), sandbox, readable: [project], env: process.env });
    expect(result.verdict, result.evidence).toBe("pass");
  });

  it("cuts checks off the network unless the check says `network allow`", async () => {
    const server = createServer((_, res) => res.end("hello"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const dir = await tempDir();
      const sandbox = await openSandbox("bwrap", { scratchDir: join(dir, ".phoenix"), onWarning: () => undefined });
      const fetchIt = `node -e "fetch('http://127.0.0.1:${port}').then(r => r.text()).then(t => console.log(t), e => { console.error(e.cause?.code ?? e.message); process.exit(1); })"`;
      const environment = { workspace: dir, sandbox, readable: [dir], env: process.env };
      const denied = await runCheck({ check: check(fetchIt), owner: "x" }, environment);
      expect(denied.verdict).toBe("fail");
      expect(denied.stderrTail).toMatch(/ECONNREFUSED/);
      const allowed = await runCheck({ check: check(fetchIt, { network: "allow" }), owner: "x" }, environment);
      expect(allowed.stdoutTail).toBe("hello");
      expect(allowed.verdict).toBe("pass");
    } finally {
      server.close();
    }
  });

  it("fails closed when the probe's write outside gets through", async () => {
    const dir = await tempDir();
    // a "bwrap" that runs the program unconfined: exactly what must never pass for confinement
    const fake = join(dir, "fake-bwrap");
    await writeFile(fake, '#!/bin/sh\nwhile [ "$1" != "--" ]; do shift; done; shift; exec "$@"\n');
    await chmod(fake, 0o755);
    for (const mode of ["auto", "bwrap"] as const) {
      await expect(openSandbox(mode, { scratchDir: join(dir, mode), onWarning: () => undefined, bwrap: fake }))
        .rejects.toThrow(/^the sandbox is not confining: a probe under .*fake-bwrap wrote outside its workspace .*; refusing to build unconfined by accident/);
    }
    expect((await openSandbox("none", { scratchDir: dir, onWarning: () => undefined, bwrap: fake })).kind).toBe("none");
  });

  it("without bubblewrap: auto warns once and runs unconfined, bwrap is an error", async () => {
    const dir = await tempDir();
    const warnings: string[] = [];
    const missing = join(dir, "no-such-bwrap");
    const sandbox = await openSandbox("auto", { scratchDir: dir, onWarning: (m) => warnings.push(m), bwrap: missing });
    expect(sandbox.kind).toBe("none");
    expect(warnings).toEqual(["bubblewrap cannot run here (bwrap is not installed): checks and command agents run unconfined; install it with `apt-get install -y bubblewrap`"]);
    await expect(openSandbox("bwrap", { scratchDir: dir, onWarning: () => undefined, bwrap: missing }))
      .rejects.toThrow("--sandbox bwrap: bubblewrap cannot run here (bwrap is not installed); install it (apt-get install -y bubblewrap) or use --sandbox auto");
  });
});

describe("running a check", () => {
  it("kills a check that runs past its timeout, with everything it started", async () => {
    const dir = await tempDir();
    const sandbox = await openSandbox("none", { scratchDir: dir, onWarning: () => undefined });
    const outcome = await runCheck({ check: check(`(sleep 1; echo late > ${join(dir, "late")}) & sleep 30`, { timeoutMs: 300 }), owner: "x" },
      { workspace: dir, sandbox, readable: [], env: process.env });
    expect(outcome).toMatchObject({ verdict: "fail", timedOut: true });
    expect(outcome.evidence).toMatch(/^timed out after 0\.\ds \(timeout 300ms\)$/);
    expect(outcome.durationMs).toBeLessThan(10_000);
    // the background child was killed with the shell: it never gets to write
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await expect(readFile(join(dir, "late"))).rejects.toThrow(/ENOENT/);
  });

  it("reports a check whose program cannot start", async () => {
    const dir = await tempDir();
    const sandbox = await openSandbox("none", { scratchDir: dir, onWarning: () => undefined });
    const outcome = await runCheck({ check: check("no-such-program-anywhere --now"), owner: "x" }, { workspace: dir, sandbox, readable: [], env: process.env });
    expect(outcome.verdict).toBe("fail");
    expect(outcome.exitCode).toBe(127);
    expect(outcome.evidence).toMatch(/^exit 127 in \d\.\ds\n.*no-such-program-anywhere: not found/);
  });
});
