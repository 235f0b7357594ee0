/**
 * verify's report for people (text), programs (JSON), CI test reporters (JUnit XML: one testcase
 * per check, and one per other problem) and GitHub Actions (`::error file=...` annotations, shown
 * on the lines they name). Pure.
 */
import type { CheckRun, Problem, VerifyReport } from "./verify.js";

export function formatVerify(report: VerifyReport): string {
  const head = `phoenix verify: ${report.system} (${report.fast ? "fast: specs, phoenix.lock and drift, no checks run" : "full"}${report.base ? `; against ${report.base.ref} at ${report.base.commit.slice(0, 12)}` : ""})`;
  const lines = report.problems.map((p) => `✗ ${p.kind}${place(p) ? ` ${place(p)}` : ""}: ${p.message}${p.rule && p.kind === "weakening" ? ` [rule ${p.rule}]` : ""}\n    fix: ${p.fix}`);
  const counted = report.checks.length === 0 ? [] : [checkCounts(report.checks)];
  const allowed = report.allowed.length === 0 ? [] : [`${report.allowed.length} weakening${report.allowed.length === 1 ? "" : "s"} signed off by a person (phoenix.lock allowances)`];
  const verdict = report.ok
    ? `verify passed: the specs compile, nothing is stale, drifted or waiting${report.fast ? "" : ", every blocking check passes, every supervised component is approved"}${report.base ? ", no check was weakened" : ""}`
    : `verify FAILED: ${report.problems.length} problem${report.problems.length === 1 ? "" : "s"}`;
  return `${[head, ...lines, ...counted, ...allowed, verdict].join("\n")}\n`;
}

function place(p: Problem): string {
  return p.file ? `${p.file}${p.line ? `:${p.line}${p.column ? `:${p.column}` : ""}` : ""}` : p.component ?? "";
}

function checkCounts(checks: readonly CheckRun[]): string {
  const n = (v: CheckRun["verdict"]) => checks.filter((c) => c.verdict === v).length;
  return `${checks.length} checks: ${n("pass")} passed, ${n("fail")} failed, ${n("error")} could not run, ${n("skipped")} not run here`;
}

export function verifyJson(report: VerifyReport): string {
  return `${JSON.stringify({ schema: "phoenix.verify/1", ...report }, null, 2)}\n`;
}

export function verifyJunit(report: VerifyReport): string {
  const checkCases = report.checks.map((c) => testcase(c.component, c.check, c.durationMs / 1000, c.file, c.line,
    c.verdict === "fail" ? { tag: "failure", message: c.evidence } : c.verdict === "error" ? { tag: "error", message: c.evidence } : c.verdict === "skipped" ? { tag: "skipped", message: c.evidence } : undefined));
  const others = report.problems.filter((p) => p.kind !== "check");
  const stateCases = others.length > 0
    ? others.map((p) => testcase(p.component ?? report.system, `${p.kind}${p.check ? ` ${p.check}` : ""}${p.rule ? ` (${p.rule})` : ""}`, 0, p.file, p.line, { tag: "failure", message: `${p.message}\nfix: ${p.fix}` }))
    : [testcase(report.system, "state: specs, lock, drift, approvals", 0, undefined, undefined, undefined)];
  const suite = (name: string, cases: Case[]) => {
    const count = (tag: string) => cases.filter((c) => c.outcome?.tag === tag).length;
    const time = cases.reduce((sum, c) => sum + c.seconds, 0);
    return `  <testsuite name="${attr(name)}" tests="${cases.length}" failures="${count("failure")}" errors="${count("error")}" skipped="${count("skipped")}" time="${time.toFixed(3)}">\n${cases.map((c) => c.xml).join("")}  </testsuite>\n`;
  };
  const all = [...checkCases, ...stateCases];
  const count = (tag: string) => all.filter((c) => c.outcome?.tag === tag).length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="phoenix verify ${attr(report.system)}" tests="${all.length}" failures="${count("failure")}" errors="${count("error")}" skipped="${count("skipped")}">\n` +
    `${checkCases.length > 0 ? suite("checks", checkCases) : ""}${suite("state", stateCases)}</testsuites>\n`;
}

interface Case {
  xml: string;
  seconds: number;
  outcome?: { tag: "failure" | "error" | "skipped"; message: string };
}

function testcase(classname: string, name: string, seconds: number, file: string | undefined, line: number | undefined, outcome: Case["outcome"]): Case {
  const where = `${file ? ` file="${attr(file)}"` : ""}${line ? ` line="${line}"` : ""}`;
  const head = `    <testcase classname="${attr(classname)}" name="${attr(name)}" time="${seconds.toFixed(3)}"${where}`;
  if (!outcome) return { xml: `${head}/>\n`, seconds };
  const first = outcome.message.split("\n")[0]!;
  const body = outcome.tag === "skipped" ? `<skipped message="${attr(first)}"/>` : `<${outcome.tag} message="${attr(first)}" type="${outcome.tag}">${text(outcome.message)}</${outcome.tag}>`;
  return { xml: `${head}>\n      ${body}\n    </testcase>\n`, seconds, outcome };
}

function attr(value: string): string {
  return text(value).replace(/"/g, "&quot;").replace(/\n/g, "&#10;");
}

function text(value: string): string {
  // XML 1.0 has no place for most control characters: drop them
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** GitHub Actions workflow commands: one `::error` per problem, on its file and line when it has one. */
export function githubAnnotations(report: VerifyReport): string {
  return report.problems.map((p) => {
    const properties = [
      ...(p.file ? [`file=${property(p.file)}`] : []), ...(p.line ? [`line=${p.line}`] : []), ...(p.column ? [`col=${p.column}`] : []),
      `title=${property(`phoenix verify: ${p.kind}${p.rule ? ` (${p.rule})` : ""}`)}`,
    ];
    return `::error ${properties.join(",")}::${data(`${p.message} (fix: ${p.fix})`)}\n`;
  }).join("");
}

function data(value: string): string {
  return value.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function property(value: string): string {
  return data(value).replace(/:/g, "%3A").replace(/,/g, "%2C");
}
