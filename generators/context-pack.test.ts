import { describe, expect, it } from "vitest";
import { cp, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot, tempDir } from "../fixtures/run-phoenix.js";
import { loadProject } from "../compiler/project.js";
import { buildContextPack } from "./context-pack.js";

async function example(): Promise<string> {
  const dir = await tempDir();
  for (const folder of ["specs", "system-under-construction"]) await cp(join(repoRoot, folder), join(dir, folder), { recursive: true });
  return dir;
}

describe("the context pack", () => {
  it("tells the agent the system, its component's requirements and checks, where it may write, and its dependencies' interfaces", async () => {
    const dir = await example();
    await mkdir(join(dir, "system-under-construction", "src", "api"), { recursive: true });
    await writeFile(join(dir, "system-under-construction", "src", "api", "index.ts"), "export function signIn(email: string, password: string): Promise<string>;\n");
    const { desired } = await loadProject(dir, dir);
    const web = desired!.components.find((c) => c.name === "web")!;
    const pack = await buildContextPack({ projectDir: dir, ir: desired!, component: web, attempt: 2 });
    expect(pack).toMatch(/^# phoenix context pack: component web, attempt 2\n\n## The system\n/);
    expect(pack).toContain("- WEB-2 MUST: The sign-in button is blue (#1d4ed8).");
    expect(pack).toContain("- WEB-3 SHOULD: The page works without JavaScript frameworks. (because it must load fast on slow phones)");
    expect(pack).toContain('- check unit: run "npx vitest run test/web" timeout 1m covers WEB-1, WEB-2\n');
    expect(pack).toContain("## You may write only\nFiles matching: src/web/** (paths relative to the root).");
    expect(pack).toContain("Never: test/**, specs, phoenix.lock;");
    expect(pack).toContain("## Dependency api: src/api/index.ts\nexport function signIn(email: string, password: string): Promise<string>;");
  });

  it("trims a part past its budget and says how much was left out", async () => {
    const dir = await example();
    await writeFile(join(dir, "system-under-construction", "README.md"), `# big\n${"x".repeat(20_000)}\n`);
    const { desired } = await loadProject(dir, dir);
    const store = desired!.components.find((c) => c.name === "store")!;
    const pack = await buildContextPack({ projectDir: dir, ir: desired!, component: store, attempt: 1 });
    expect(pack).toMatch(/\[\.\.\. 12\d{3} more characters left out\]/);
    expect(pack.length).toBeLessThan(12_000);
  });
});
