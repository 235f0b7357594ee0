import { describe, expect, it } from "vitest";
import { parseSpec } from "../spec-lang/index.js";
import { formatGraph, mermaidId } from "./graph-format.js";
import { compileTree } from "./project.js";

function desired(text: string) {
  const tree = compileTree([parseSpec(text, "specs/a.phx").ast], "specs");
  expect(tree.diagnostics).toEqual([]);
  return tree.desired!;
}

describe("the mermaid graph", () => {
  it("keeps names that differ only in '-' and '_' apart, with their edges", () => {
    const ir = desired([
      "system s {}",
      'component my-comp { owns "a/**" }',
      'component my_comp { owns "b/**" }',
      'component web { owns "c/**" depends_on my-comp }',
    ].join("\n"));
    const lines = formatGraph(ir, "mermaid").split("\n");
    expect(lines).toContain('  n_my_2d_comp["my-comp<br/>0 requirements, 0 checks"]');
    expect(lines).toContain('  n_my__comp["my_comp<br/>0 requirements, 0 checks"]');
    expect(lines).toContain("  n_my_2d_comp --> n_web");
    expect(lines.filter((l) => l.includes("-->"))).toHaveLength(1);
  });

  it("gives every identifier its own id", () => {
    const names = ["a-b", "a_b", "a__b", "a_2d_b", "a-_b", "a_-b", "end", "_", "__", "-"];
    expect(new Set(names.map(mermaidId)).size).toBe(names.length);
  });
});
