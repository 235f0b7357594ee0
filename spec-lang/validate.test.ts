import { describe, expect, it } from "vitest";
import { checkSpecBytes, formatDiagnostic } from "./index.js";
import { parseSpec } from "./parse.js";
import { validateSpecTree } from "./validate.js";

/** Every problem `phoenix check` reports for one file, as `line:column severity code: message`. */
function problems(text: string): string[] {
  return checkSpecBytes(new TextEncoder().encode(text), "t.phx").diagnostics
    .map((d) => `${d.span.line}:${d.span.column} ${d.severity} ${d.code}: ${d.message}`);
}

/** Only the codes, for tests about which problems are found rather than their wording. */
function codes(text: string): string[] {
  return checkSpecBytes(new TextEncoder().encode(text), "t.phx").diagnostics.map((d) => d.code);
}

/** A component that is valid on its own, with `body` added. */
function component(body: string): string {
  return `component c {\n  owns "src/**"\n${body}\n}\n`;
}

describe("requirements", () => {
  it.each(["SHOULD", "SHOULD NOT", "RECOMMENDED", "MAY", "MAY NOT", "OPTIONAL"])("%s without because is an error at the keyword", (level) => {
    expect(problems(component(`  requirement R-1 ${level} "text"`))).toEqual([
      `3:19 error reason-required: requirement R-1 is ${level}: give the reason with \`because "..."\` (SHOULD, RECOMMENDED, MAY and OPTIONAL must say why)`,
    ]);
  });

  it.each(["SHOULD", "MAY NOT", "OPTIONAL"])("%s with because is fine", (level) => {
    expect(problems(component(`  requirement R-1 ${level} "text" because "reason"`))).toEqual([]);
  });

  it.each(["MUST", "MUST NOT", "REQUIRED", "SHALL", "SHALL NOT"])("%s needs no because, but a check that covers it", (level) => {
    expect(problems(component(`  requirement R-1 ${level} "text"`))).toEqual([
      `3:15 warning uncovered-requirement: requirement R-1 (${level}) is not covered by any check: add it to a check's \`covers\``,
    ]);
    expect(problems(component(`  requirement R-1 ${level} "text"\n  check t { run "x" covers R-1 }`))).toEqual([]);
  });

  it("reports a duplicate requirement ID at the second, naming the first's line", () => {
    expect(problems(component('  requirement R-1 MAY "a" because "b"\n  requirement R-1 MAY "c" because "d"'))).toEqual([
      "4:15 error duplicate-name: requirement 'R-1' is defined twice; the first is at line 3",
    ]);
  });

  it("treats IDs as case-sensitive", () => {
    expect(codes(component('  requirement R-a MAY "a" because "b"\n  requirement R-A MAY "c" because "d"'))).toEqual([]);
  });

  it("reports duplicate check names and decision IDs", () => {
    expect(problems(component([
      '  check t { run "a" }', '  check t { run "b" }',
      '  decision Q-1 "q" answer "a"', '  decision Q-1 "q2" answer "b"',
    ].join("\n")))).toEqual([
      "4:9 error duplicate-name: check 't' is defined twice; the first is at line 3",
      "6:12 error duplicate-name: decision 'Q-1' is defined twice; the first is at line 5",
    ]);
  });

  it("reports covers of an unknown requirement with a suggestion", () => {
    expect(problems(component('  requirement AUTH-1 MUST "x"\n  check t { run "x" covers AUTH-1, AUHT-1 }'))).toEqual([
      "4:36 error unknown-covered-requirement: check 't' covers 'AUHT-1', but component 'c' has no requirement AUHT-1 (did you mean 'AUTH-1'?)",
    ]);
  });
});

describe("things said twice", () => {
  it("reports a name repeated in depends_on or covers, in one list or two", () => {
    expect(problems(component('  depends_on a, b, a\n  depends_on b\n  requirement R-1 MUST "x"\n  check t { run "x" covers R-1, R-1 }'))).toEqual([
      "3:20 error duplicate-reference: `depends_on` names 'a' twice; the first is at line 3, column 14",
      "4:14 error duplicate-reference: `depends_on` names 'b' twice; the first is at line 3, column 17",
      "6:33 error duplicate-reference: `covers` names 'R-1' twice; the first is at line 6, column 28",
    ]);
  });

  it("reports an option given twice in one check, and two bounds on one metric", () => {
    expect(problems(component('  check t { run "x" network allow network allow }'))).toEqual([
      "3:35 error duplicate-item: `network` is given twice in check t; the first is at line 3",
    ]);
    expect(problems(component('  check p {\n    probe "GET /"\n    expect status 200\n    expect p95 < 1s\n    expect status 200\n    expect p95 <= 2s\n    expect p99 < 3s\n  }'))).toEqual([
      "7:5 error duplicate-item: `expect status` is given twice in check p; the first is at line 5",
      "8:5 error duplicate-item: `expect p95` is given twice in check p; the first is at line 6",
    ]);
  });

  it("reports duplicates inside a delta's modify too", () => {
    expect(codes('delta d "x" { modify web { depends_on api, api } }')).toEqual(["duplicate-reference"]);
  });
});

describe("strings that say nothing", () => {
  it("reports an empty requirement text, reason, question or answer, at the string", () => {
    expect(problems(component('  requirement R-1 SHOULD "" because "  "\n  decision Q-1 "" answer ""'))).toEqual([
      "3:26 error empty-text: `requirement R-1` has an empty string: give what is required",
      "3:37 error empty-text: `because` has an empty string: give the reason",
      "4:16 error empty-text: `decision Q-1` has an empty string: give the question",
      "4:26 error empty-text: `answer` has an empty string: give the answer",
    ]);
  });

  it.each([
    ["run", "the shell command to run"], ["probe", 'the request, such as "GET /health"'],
    ["judge", "the rubric the judge applies"], ["human", "what a person must confirm"],
  ])("reports an empty `%s`", (kind, what) => {
    const column = `  check t { ${kind} `.length + 1;
    expect(problems(component(`  check t { ${kind} "" }`))).toEqual([`3:${column} error empty-text: \`${kind}\` has an empty string: give ${what}`]);
  });

  it("reports an empty agent command or script", () => {
    expect(problems('system s { agent command "" }')).toEqual(["1:26 error empty-text: `agent command` has an empty string: give the program to run"]);
    expect(codes('system s { agent scripted " " }')).toEqual(["empty-text"]);
  });

  it("wants a probe to be \"METHOD URL-or-path\"", () => {
    const probe = (request: string) => problems(component(`  check t { probe "${request}" }`));
    expect(probe("NOTAMETHOD")).toEqual([
      '3:19 error invalid-probe: `probe` takes "METHOD URL", METHOD one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS and then a URL or a path such as /health, not "NOTAMETHOD"',
    ]);
    expect(probe("get /health")[0]).toContain("(methods are written in capitals: GET)");
    expect(probe("GTE /health")[0]).toContain("(did you mean 'GET'?)");
    for (const bad of ["GET", "GET health", "GET / extra", "FETCH /", "GET ftp://x"]) expect(probe(bad), bad).toHaveLength(1);
    for (const good of ["GET /", "HEAD /health", "POST /signin?next=%2F", "DELETE http://127.0.0.1:3000/x", "OPTIONS https://example.com"]) {
      expect(probe(good), good).toEqual([]);
    }
  });
});

describe("owns and paths", () => {
  it("reports a component that owns nothing, at its name", () => {
    expect(problems('component store {\n  description "x"\n}')).toEqual([
      "1:11 error empty-owns: component 'store' owns no files: add `owns \"glob\"` so its agent may write its code",
    ]);
  });

  it("reports an empty or blank glob", () => {
    expect(problems('component c { owns "src/**", "", "  " }')).toEqual([
      '1:30 error empty-glob: empty path in `owns`: give a glob relative to the root, such as "src/store/**"',
      '1:34 error empty-glob: empty path in `owns`: give a glob relative to the root, such as "src/store/**"',
    ]);
  });

  it("reports paths that leave the root", () => {
    expect(problems([
      'system s {', '  root "/srv/app"', '  container "C:\\\\dev"', '  protect "test/../../etc/**"', "}",
      'component c { owns "src/**" interface "../x.ts" }',
    ].join("\n"))).toEqual([
      "2:8 error unsafe-path: `root` path '/srv/app' is absolute: paths are relative to the root and stay inside it",
      "3:13 error unsafe-path: `container` path 'C:\\dev' is absolute: paths are relative to the root and stay inside it",
      "4:11 error unsafe-path: `protect` path 'test/../../etc/**' climbs out with '..': paths are relative to the root and stay inside it",
      "6:39 error unsafe-path: `interface` path '../x.ts' climbs out with '..': paths are relative to the root and stay inside it",
    ]);
  });

  it("accepts names that merely contain dots", () => {
    expect(codes(component('  interface "src/..hidden/a..b.ts"'))).toEqual([]);
  });
});

describe("where items may stand", () => {
  it.each([
    ['component c { owns "x" run "make" }', "`run` is not allowed in component c (put it inside a `check NAME { ... }` block)"],
    ['component c { owns "x" root "r" }', "`root` is not allowed in component c (it belongs in the system block)"],
    ['component c { owns "x" modify d { } }', "`modify` is not allowed in component c (it belongs in a delta block)"],
    ['system s { requirement R-1 MUST "x" }', "`requirement` is not allowed in system s (requirements belong to components)"],
    ['system s { owns "x" }', "`owns` is not allowed in system s (it belongs in a component)"],
    ['system s { check t { run "x" owns "y" } }', "`owns` is not allowed in check t (it belongs in a component)"],
    ['component c { owns "x" timeout 1s }', "`timeout` is not allowed in component c (it is a check option)"],
    ['delta d "s" { modify c { remove component x } }', "`remove component` is not allowed in modify c (remove components at the delta's top level)"],
    ['delta d "s" { remove requirement R-1 }', "`remove requirement` is not allowed in delta d (a delta removes components; remove requirements and checks inside `modify NAME { ... }`)"],
    ['delta d "s" { owns "x" }', "`owns` is not allowed in delta d (it belongs in a component)"],
    ['delta d "s" { modify c { root "x" } }', "`root` is not allowed in modify c (it belongs in the system block)"],
    ['component c { owns "x" remove check t }', "`remove check` is not allowed in component c (`remove` belongs in a delta)"],
  ])("%s", (text, message) => {
    expect(problems(text).map((p) => p.replace(/^1:\d+ /, ""))).toEqual([`error misplaced-item: ${message}`]);
  });

  it("places a misplaced item at its keyword", () => {
    expect(problems(component('  check t { run "x" }\n  run "make"'))).toEqual([
      "4:3 error misplaced-item: `run` is not allowed in component c (put it inside a `check NAME { ... }` block)",
    ]);
  });

  it("checks an added component like a component", () => {
    expect(codes('delta d "s" { add component audit { description "x" root "y" } }')).toEqual(["empty-owns", "misplaced-item"]);
  });

  it("reports a single-valued item given twice", () => {
    expect(problems('system s {\n  root "a"\n  root "b"\n}')).toEqual([
      "3:3 error duplicate-item: `root` is given twice in system s; the first is at line 2",
    ]);
  });
});

describe("the system's start and ready", () => {
  /** Every problem as `phoenix check` prints it: `FILE:LINE:COL: severity CODE: message`. */
  const reported = (text: string) => checkSpecBytes(new TextEncoder().encode(text), "specs/system.phx").diagnostics.map(formatDiagnostic);

  it("accepts start alone, and start with ready as a path or a URL", () => {
    expect(reported('system s {\n  start "node --import tsx src/server.ts"\n}')).toEqual([]);
    expect(reported('system s {\n  ready "GET /health"\n  start "npm start"\n}')).toEqual([]);
    expect(reported('system s { start "npm start" ready "HEAD http://127.0.0.1:8080/up" }')).toEqual([]);
  });

  it("reports ready without start at the ready line", () => {
    expect(reported('system signin {\n  root "app"\n  ready "GET /health"\n}')).toEqual([
      "specs/system.phx:3:3: error ready-without-start: `ready` needs `start` in system signin: it tells when the system `start` runs is up; add `start \"command\"` or remove `ready`",
    ]);
  });

  it("reports start and ready anywhere but the system block as misplaced", () => {
    expect(reported('component c {\n  owns "x"\n  start "npm start"\n  ready "GET /"\n}')).toEqual([
      "specs/system.phx:3:3: error misplaced-item: `start` is not allowed in component c (it belongs in the system block)",
      "specs/system.phx:4:3: error misplaced-item: `ready` is not allowed in component c (it belongs in the system block)",
    ]);
    expect(reported('system s {\n  check up {\n    probe "GET /"\n    start "npm start"\n  }\n}')).toEqual([
      "specs/system.phx:4:5: error misplaced-item: `start` is not allowed in check up (it belongs in the system block)",
    ]);
    expect(reported('delta d "s" {\n  ready "GET /"\n  modify c {\n    start "x"\n  }\n}')).toEqual([
      "specs/system.phx:2:3: error misplaced-item: `ready` is not allowed in delta d (it belongs in the system block)",
      "specs/system.phx:4:5: error misplaced-item: `start` is not allowed in modify c (it belongs in the system block)",
    ]);
  });

  it("reports start or ready given twice, like root", () => {
    expect(reported('system s {\n  start "a"\n  ready "GET /"\n  start "b"\n  ready "GET /up"\n}')).toEqual([
      "specs/system.phx:4:3: error duplicate-item: `start` is given twice in system s; the first is at line 2",
      "specs/system.phx:5:3: error duplicate-item: `ready` is given twice in system s; the first is at line 3",
    ]);
  });

  it("reports an empty start or ready at the string", () => {
    expect(reported('system s {\n  start "  "\n  ready ""\n}')).toEqual([
      "specs/system.phx:2:9: error empty-text: `start` has an empty string: give the command that starts the system",
      'specs/system.phx:3:9: error empty-text: `ready` has an empty string: give the request, such as "GET /health"',
    ]);
  });

  it("wants ready to be \"METHOD URL-or-path\", as a probe", () => {
    expect(reported('system s {\n  start "npm start"\n  ready "/health"\n}')).toEqual([
      'specs/system.phx:3:9: error invalid-probe: `ready` takes "METHOD URL", METHOD one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS and then a URL or a path such as /health, not "/health"',
    ]);
    const ready = (request: string) => reported(`system s { start "x" ready "${request}" }`);
    expect(ready("get /health")[0]).toContain("(methods are written in capitals: GET)");
    expect(ready("GTE /health")[0]).toContain("(did you mean 'GET'?)");
    for (const bad of ["GET", "GET health", "GET / extra", "FETCH /", "GET ftp://x"]) expect(ready(bad), bad).toHaveLength(1);
  });

  it("suggests start and ready for a misspelling", () => {
    expect(reported('system s {\n  strat "npm start"\n  raedy "GET /"\n}')).toEqual([
      "specs/system.phx:2:3: error unknown-keyword: unknown keyword 'strat' in system s (did you mean 'start'?)",
      "specs/system.phx:3:3: error unknown-keyword: unknown keyword 'raedy' in system s (did you mean 'ready'?)",
    ]);
  });

  it("does not call ready orphaned when a syntax error in the block may have eaten start", () => {
    expect(reported('system s {\n  start\n  ready "GET /"\n}').map((line) => line.split(": ")[1])).toEqual(["error syntax-error"]);
  });
});

describe("checks", () => {
  it("reports a check with no kind, and one with two", () => {
    expect(problems(component('  check t { timeout 1s }\n  check u { run "a" judge "b" }'))).toEqual([
      "3:9 error check-kind-missing: check 't' has no kind: give exactly one of run, probe, judge or human",
      "4:21 error check-kind-twice: check 'u' is already a run check; a check has exactly one of run, probe, judge or human",
    ]);
  });

  it.each([
    ['run "x" votes 3', "`votes` does not apply to a run check (it applies to judge checks)"],
    ['run "x" samples 5', "`samples` does not apply to a run check (it applies to probe checks)"],
    ['judge "x" expect status 200', "`expect` does not apply to a judge check (it applies to probe checks)"],
    ['probe "GET /" network allow', "`network` does not apply to a probe check (it applies to run checks)"],
    ['human "x" timeout 1m', "`timeout` does not apply to a human check (it applies to run, probe, judge checks)"],
  ])("%s", (body, message) => {
    expect(problems(component(`  check t { ${body} }`)).map((p) => p.replace(/^3:\d+ /, ""))).toEqual([`error option-not-for-kind: ${message}`]);
  });

  it("accepts the common options on every kind", () => {
    for (const kind of ['run "x"', 'probe "GET /"', 'judge "x"', 'human "x"']) {
      expect(codes(component(`  requirement R-1 MUST "x"\n  check t { ${kind} covers R-1 advisory }`))).toEqual([]);
    }
  });

  it("wants an odd number of votes from 1 to 99", () => {
    expect(problems(component('  check t { judge "x" votes 2 }'))).toEqual([
      "3:29 error invalid-count: `votes` must be an odd whole number from 1 to 99 (a majority must exist), not 2",
    ]);
    for (const votes of ["0", "1.5", "101", "99999999999999999999999"]) {
      expect(codes(component(`  check t { judge "x" votes ${votes} }`)), votes).toEqual(["invalid-count"]);
    }
    expect(codes(component('  check t { judge "x" votes 5 }'))).toEqual([]);
  });

  it("wants 1 to 10000 samples, and timeouts and latency bounds longer than zero and at most a day", () => {
    expect(problems(component('  check t { probe "GET /" samples 0 timeout 0s }'))).toEqual([
      "3:35 error invalid-count: `samples` must be a whole number from 1 to 10000, not 0",
      "3:45 error invalid-timeout: timeout must be longer than zero and at most 24h, not 0s",
    ]);
    expect(codes(component('  check t { probe "GET /" samples 10001 timeout 25h }'))).toEqual(["invalid-count", "invalid-timeout"]);
    expect(codes(component(`  check t { probe "GET /" expect p95 < 0ms expect p99 < ${"9".repeat(400)}ms }`))).toEqual(["invalid-bound", "invalid-bound"]);
    expect(codes(component('  check t { probe "GET /" samples 10000 timeout 24h expect max <= 24h }'))).toEqual([]);
  });

  it("wants an HTTP status from 100 to 599", () => {
    const expectLine = (e: string) => codes(component(`  check t { probe "GET /" expect ${e} }`));
    expect(expectLine("status 99")).toEqual(["invalid-status"]);
    expect(expectLine("status 600")).toEqual(["invalid-status"]);
    expect(expectLine("status 100")).toEqual([]);
    expect(expectLine("status 599")).toEqual([]);
    expect(problems(component('  check t { probe "GET /" expect status 700 }'))).toEqual([
      "3:41 error invalid-status: `expect status` takes an HTTP status from 100 to 599, not 700",
    ]);
  });

  it("wants a latency bound with `<` or `<=` and a duration", () => {
    expect(problems(component('  check t { probe "GET /" expect p95 100ms }'))).toEqual([
      "3:27 error expect-needs-comparison: `expect p95` needs a bound such as `expect p95 < 100ms`",
    ]);
    expect(codes(component('  check t { probe "GET /" expect p95 < 100 }'))).toEqual(["expect-needs-comparison"]);
    expect(codes(component('  check t { probe "GET /" expect status < 200 }'))).toEqual(["expect-status-comparison"]);
    expect(codes(component('  check t { probe "GET /" expect p99 <= 1.5s expect mean < 20ms }'))).toEqual([]);
  });

  it("suggests the metric for an unknown one", () => {
    expect(problems(component('  check t { probe "GET /" expect p59 < 1s }'))).toEqual([
      "3:34 error unknown-word: `expect` takes one of status, p50, p90, p95, p99, max, mean, not 'p59' (did you mean 'p50'?)",
    ]);
  });

  it("wants network allow or deny, and autonomy supervised or autonomous", () => {
    expect(problems(component('  autonomy auto\n  check t { run "x" network alow }'))).toEqual([
      "3:12 error unknown-word: `autonomy` takes supervised or autonomous, not 'auto' (did you mean 'autonomous'?)",
      "4:29 error unknown-word: `network` takes allow or deny, not 'alow' (did you mean 'allow'?)",
    ]);
  });
});

describe("agents", () => {
  it("reports an unknown provider with a suggestion", () => {
    expect(problems('system s { agent claude }')).toEqual([
      "1:18 error unknown-provider: unknown agent provider 'claude': use anthropic, claude-code, codex, command or scripted (did you mean 'claude-code'?)",
    ]);
    expect(problems('system s { agent codx }')).toEqual([
      "1:18 error unknown-provider: unknown agent provider 'codx': use anthropic, claude-code, codex, command or scripted (did you mean 'codex'?)",
    ]);
  });

  it("wants the argument of command and scripted, and none for claude-code and codex", () => {
    expect(problems('system s {\n  agent command\n}')).toEqual([
      '2:3 error provider-argument-required: agent command needs the program to run, e.g. `agent command "node tools/agent.js"`',
    ]);
    expect(problems('system s {\n  agent scripted\n}')).toEqual([
      '2:3 error provider-argument-required: agent scripted needs the script file, e.g. `agent scripted "fixtures/agent-script.json"`',
    ]);
    expect(problems('system s {\n  agent codex "gpt"\n}')).toEqual(["2:15 error provider-argument-unexpected: agent codex takes no argument"]);
    expect(codes('system s { agent anthropic } component c { owns "x" agent anthropic "claude-opus" }')).toEqual([]);
  });
});

describe("files with syntax errors", () => {
  it("still reports item-level problems in a block that holds a syntax error", () => {
    // The example from `phoenix demo`: a misspelled owns, a SHOULD without a reason, no closing braces (the component's is reported at its `{`).
    const text = [
      "component audit {",
      '  ownz "src/audit/**"',
      '  requirement AUD-1 MUST "Every sign-in is recorded."',
      '  requirement AUD-2 SHOULD "Records are kept for 30 days."',
      '  check unit { run "npx vitest run test/audit" covers AUD-1',
      "",
    ].join("\n");
    expect(codes(text)).toEqual(["missing-brace", "unknown-keyword", "reason-required", "missing-brace"]);
  });

  it("does not echo a syntax error as problems with the block's structure", () => {
    // `ownz` is not also "owns nothing"; the requirement a broken `covers` names is not "uncovered".
    expect(codes(component('  requirement R-1 MUST "x"\n  check t { run "x" covres R-1 }').replace("owns", "ownz"))).toEqual([
      "unknown-keyword", "unknown-keyword",
    ]);
  });

  it("checks a check whole when the syntax error is in the item before it", () => {
    const text = component('  requirement A-15 MUST\n  check unit {\n    timeout 1s\n    root "x"\n    network allow\n    network deny\n  }');
    expect(problems(text)).toEqual([
      "4:3 error syntax-error: expected a string but found 'check'",
      "4:9 error check-kind-missing: check 'unit' has no kind: give exactly one of run, probe, judge or human",
      "6:5 error misplaced-item: `root` is not allowed in check unit (it belongs in the system block)",
      "8:5 error duplicate-item: `network` is given twice in check unit; the first is at line 7",
    ]);
  });

  it("checks the block after one whose '}' is missing", () => {
    const text = 'component a {\n  owns "x"\n  check t { run "y"\n}\nsystem s { root "/abs" }\n';
    expect(codes(text)).toEqual(["missing-brace", "unsafe-path"]);
  });
});

describe("validateSpecTree", () => {
  const file = (name: string, text: string) => parseSpec(text, name).ast;

  it("reports a component name used in two files, pointing at the first", () => {
    const problemsAcross = validateSpecTree([
      file("specs/a.phx", 'component store { owns "a" }'),
      file("specs/b.phx", '\ncomponent store { owns "b" }'),
    ]).map((d) => `${d.span.file}:${d.span.line}:${d.span.column} ${d.code}: ${d.message}`);
    expect(problemsAcross).toEqual([
      "specs/b.phx:2:11 duplicate-name: component 'store' is defined twice; the first is at specs/a.phx:1:11",
    ]);
  });

  it("reports a second system block", () => {
    const problemsAcross = validateSpecTree([file("a.phx", "system one {}"), file("b.phx", "system two {}")]);
    expect(problemsAcross.map((d) => [d.code, d.span.file, d.message])).toEqual([
      ["duplicate-system", "b.phx", "a second `system` block; there is exactly one per spec tree, the first is at a.phx:1:8"],
    ]);
  });

  it("reports duplicate delta names", () => {
    const problemsAcross = validateSpecTree([file("a.phx", 'delta web "s" { }'), file("b.phx", 'delta web "t" { }')]);
    expect(problemsAcross.map((d) => d.message)).toEqual(["delta 'web' is defined twice; the first is at a.phx:1:7"]);
  });

  it("reports a delta with a component's name: names are global", () => {
    const problemsAcross = validateSpecTree([
      file("a.phx", 'component web { owns "x" }\ndelta web "s" { }'),
      file("b.phx", 'delta api "t" { }\ncomponent api { owns "y" }'),
    ]).map((d) => `${d.span.file}:${d.span.line}:${d.span.column} ${d.code}: ${d.message}`);
    expect(problemsAcross).toEqual([
      "a.phx:2:7 name-clash: delta 'web' has the name of component 'web' at a.phx:1:11: component and delta names are global, so each is used once",
      "b.phx:2:11 name-clash: component 'api' has the name of delta 'api' at b.phx:1:7: component and delta names are global, so each is used once",
    ]);
  });
});
