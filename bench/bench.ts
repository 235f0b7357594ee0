/**
 * `npm run bench`: how fast phoenix says "nothing to do", and how exactly it finds the little
 * there is to do, on generated systems of 1,000 and 10,000 components (3 random dependencies and
 * 2 owned files each), against ninja on the equivalent graph. Timings are medians of several runs
 * of the real CLI in fresh processes; peak RSS is each process's own. Results print as a table
 * and go to bench/results.json (not committed).
 *
 * The figure tracked: no-op `phoenix status` / `ninja -n` no-op at 10,000 components.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { seededRandom } from "../fixtures/random.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const phoenix = join(repo, "dist", "compiler", "cli", "main.js");
const rssHook = join(repo, "dist", "bench", "rss-hook.js");
const RUNS = Number(process.env["BENCH_RUNS"] ?? 5);
const SIZES = (process.env["BENCH_SIZES"] ?? "1000,10000").split(",").map(Number);

interface Timing {
  medianMs: number;
  /** Measured for phoenix's own processes only (ninja's is not). */
  peakRssMb?: number;
}

interface SizeResult {
  components: number;
  buildSeconds: number;
  nodesPerSecond: number;
  /** No-op status with answers never remembered (PHOENIX_MEMO=off): what a status after any change costs. */
  statusComputed: Timing;
  status: Timing;
  diff: Timing;
  diffAfterSpecEdit: Timing;
  diffAfterFileEdit: Timing;
  ninjaNoop: Timing;
  statusOverNinja: number;
  staleSetMatchesNinja: boolean;
}

/**
 * `phoenix check` on the corpus. The throughput is the corpus over the time beyond what a check
 * of one small file takes (starting node and loading phoenix, ~0.25 s here, is not parsing);
 * the gross figure, start-up included, is printed beside it.
 */
interface ParseResult {
  megabytes: number;
  seconds: number;
  /** `phoenix check` of a one-component file: start-up, nearly all of it. */
  startupSeconds: number;
  megabytesPerSecond: number;
  grossMegabytesPerSecond: number;
  peakRssMb: number;
}

interface Results {
  machine: string;
  node: string;
  at: string;
  sizes: SizeResult[];
  parse: ParseResult;
  targets: { name: string; value: string; target: string; met: boolean }[];
}


const name = (i: number) => `c${String(i).padStart(5, "0")}`;

/** Each component's dependencies: up to 3 distinct earlier components (so the graph is a DAG). */
function dependencies(count: number): number[][] {
  const next = seededRandom(count);
  return Array.from({ length: count }, (_, i) => {
    const picked = new Set<number>();
    while (i > 0 && picked.size < Math.min(3, i)) picked.add(Math.floor(next() * i));
    return [...picked].sort((a, b) => a - b);
  });
}

function componentSpec(i: number, deps: readonly number[], text = "does its part"): string {
  return `component ${name(i)} {
  description "Generated component ${i}."
  owns "src/${name(i)}/**"
  interface "src/${name(i)}/a.txt"
${deps.length > 0 ? `  depends_on ${deps.map(name).join(", ")}\n` : ""}  requirement R-${i} MUST "It ${text}."
  check ok { run "true" covers R-${i} }
}
`;
}

async function generate(count: number): Promise<{ dir: string; deps: number[][] }> {
  const dir = await mkdtemp(join(tmpdir(), `phoenix-bench-${count}-`));
  const deps = dependencies(count);
  await mkdir(join(dir, "specs"), { recursive: true });
  await mkdir(join(dir, "root", "project-container"), { recursive: true });
  await writeFile(join(dir, "root", "README.md"), "# bench\nA generated system.\n");
  await writeFile(join(dir, "root", "project-container", "Containerfile"), "FROM scratch\n");
  await writeFile(join(dir, "specs", "system.phx"), `system bench {\n  description "A generated system."\n  root "root"\n  agent scripted "script.json"\n}\n`);
  await Promise.all(deps.map((d, i) => writeFile(join(dir, "specs", `${name(i)}.phx`), componentSpec(i, d))));
  const nodes = Object.fromEntries(deps.map((_, i) => [name(i), [{
    attempts: [[{ write: `src/${name(i)}/a.txt`, content: `interface of ${name(i)}\n` }, { write: `src/${name(i)}/b.txt`, content: `body of ${name(i)}\n` }]],
  }]]));
  await writeFile(join(dir, "script.json"), JSON.stringify({ description: "bench", nodes }));
  return { dir, deps };
}

/**
 * Runs a command `RUNS` times in fresh processes; the median wall time and the highest peak RSS.
 * `before(i)` runs ahead of each run, untimed: an edit made anew each time, so that every run
 * pays for a real edit and none is answered from memory.
 */
function measure(argv: readonly string[], cwd: string, runs = RUNS, before?: (run: number) => void): Timing {
  const times: number[] = [];
  let rss: number | undefined;
  for (let i = 0; i < runs; i++) {
    before?.(i);
    const rssFile = join(tmpdir(), `phoenix-bench-rss-${process.pid}-${i}`);
    rmSync(rssFile, { force: true }); // a command that writes none must not report an earlier one's
    const started = performance.now();
    const result = spawnSync(argv[0]!, argv.slice(1), { cwd, env: { ...process.env, PHOENIX_BENCH_RSS: rssFile }, encoding: "utf8" });
    times.push(performance.now() - started);
    if (result.status !== 0 && result.status !== 1) throw new Error(`${argv.join(" ")} failed (${result.status}): ${result.stderr}`);
    const peak = readRss(rssFile);
    if (peak !== undefined) rss = Math.max(rss ?? 0, peak);
  }
  times.sort((a, b) => a - b);
  return { medianMs: Math.round(times[Math.floor(times.length / 2)]!), ...(rss === undefined ? {} : { peakRssMb: Math.round(rss) }) };
}

/** Megabytes, as the rss hook wrote them; undefined when the process wrote none. */
function readRss(file: string): number | undefined {
  try {
    return Number(readFileSync(file, "utf8")) / 1024;
  } catch {
    return undefined;
  }
}

const phoenixArgv = (...args: string[]) => [process.execPath, "--import", rssHook, phoenix, ...args];

/**
 * build.ninja for the same graph: one edge per component, inputs its spec and its dependencies'
 * outputs. Its outputs go to ninja/, never into the root: phoenix would see them as drift.
 */
async function writeNinja(dir: string, deps: readonly number[][]): Promise<void> {
  const lines = ["rule generate", "  command = mkdir -p ninja/$name && echo $name > ninja/$name/a.txt && echo $name > ninja/$name/b.txt", ""];
  deps.forEach((d, i) => {
    const inputs = [`specs/${name(i)}.phx`, ...d.flatMap((j) => [`ninja/${name(j)}/a.txt`, `ninja/${name(j)}/b.txt`])];
    lines.push(`build ninja/${name(i)}/a.txt ninja/${name(i)}/b.txt: generate ${inputs.join(" ")}`, `  name = ${name(i)}`);
  });
  await writeFile(join(dir, "build.ninja"), `${lines.join("\n")}\n`);
}

/** What `ninja -n` would rebuild: the components whose edges it lists. */
function ninjaWouldBuild(dir: string): Set<string> {
  const out = execFileSync("ninja", ["-n", "-v"], { cwd: dir, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  return new Set([...out.matchAll(/echo (c\d{5}) > /g)].map((m) => m[1]!));
}

/** The components phoenix would rebuild without early cutoff: the stale ones and everything that depends on them. */
function phoenixWouldBuild(dir: string, deps: readonly number[][]): Set<string> {
  const json = JSON.parse(execFileSync(process.execPath, [phoenix, "diff", "--json"], { cwd: dir, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 })) as { components: { name: string; reasons: unknown[] }[] };
  const stale = new Set(json.components.filter((c) => c.reasons.length > 0).map((c) => c.name));
  const dependents = deps.map(() => [] as number[]);
  deps.forEach((d, i) => d.forEach((j) => dependents[j]!.push(i)));
  const queue = [...stale].map((n) => Number(n.slice(1)));
  while (queue.length > 0) {
    for (const k of dependents[queue.pop()!]!) if (!stale.has(name(k))) { stale.add(name(k)); queue.push(k); }
  }
  return stale;
}

async function benchSize(count: number): Promise<SizeResult> {
  log(`\n${count} components: generating`);
  const { dir, deps } = await generate(count);
  log("building once (scripted agent, in process)");
  const started = performance.now();
  const build = spawnSync(process.execPath, [phoenix, "build", "--sandbox", "none", "--jobs", "2", "--json"], { cwd: dir, encoding: "utf8", maxBuffer: 1024 * 1024 * 1024 });
  const buildSeconds = (performance.now() - started) / 1000;
  if (build.status !== 0) throw new Error(`the build failed: ${build.stderr}\n${build.stdout.slice(-2000)}`);
  log(`built in ${buildSeconds.toFixed(1)} s; measuring`);
  // the whole computation, as the first status after a change pays it
  const statusComputed = measure(["env", "PHOENIX_MEMO=off", ...phoenixArgv("status")], dir);
  // the no-op: the answer the first status of the unchanged tree made, given back
  spawnSync(process.execPath, [phoenix, "status"], { cwd: dir });
  spawnSync(process.execPath, [phoenix, "diff"], { cwd: dir });
  const status = measure(phoenixArgv("status"), dir);
  const diff = measure(phoenixArgv("diff"), dir);
  await writeNinja(dir, deps);
  execFileSync("ninja", [], { cwd: dir, stdio: "ignore" });
  const ninjaNoop = measure(["ninja", "-n"], dir);
  // one spec edit: phoenix's stale set (without early cutoff) against ninja's
  const edited = Math.floor(count / 2);
  const specFile = join(dir, "specs", `${name(edited)}.phx`);
  const diffAfterSpecEdit = measure(phoenixArgv("diff"), dir, RUNS, (i) => writeFileSync(specFile, componentSpec(edited, deps[edited]!, `does its part, and more (edit ${i})`)));
  const staleSetMatchesNinja = sameSet(phoenixWouldBuild(dir, deps), ninjaWouldBuild(dir));
  await writeFile(join(dir, "specs", `${name(edited)}.phx`), componentSpec(edited, deps[edited]!));
  execFileSync("ninja", [], { cwd: dir, stdio: "ignore" });
  // one owned-file edit: drift
  const file = join(dir, "root", "src", name(edited + 1), "b.txt");
  const diffAfterFileEdit = measure(phoenixArgv("diff"), dir, RUNS, (i) => writeFileSync(file, `edited by hand (${i})\n`));
  await rm(dir, { recursive: true, force: true });
  return {
    components: count, buildSeconds: round(buildSeconds), nodesPerSecond: round(count / buildSeconds), statusComputed, status, diff, diffAfterSpecEdit, diffAfterFileEdit,
    ninjaNoop, statusOverNinja: round(status.medianMs / Math.max(1, ninjaNoop.medianMs)), staleSetMatchesNinja,
  };
}

/** parse + validate throughput on a large corpus of specs. */
async function benchParse(): Promise<Results["parse"]> {
  const dir = await mkdtemp(join(tmpdir(), "phoenix-bench-parse-"));
  await mkdir(join(dir, "specs"));
  const deps = dependencies(20_000);
  const chunks: string[] = [];
  for (let f = 0; f < 200; f++) chunks.push(deps.slice(f * 100, f * 100 + 100).map((d, k) => componentSpec(f * 100 + k, d)).join("\n"));
  await Promise.all(chunks.map((text, f) => writeFile(join(dir, "specs", `part${f}.phx`), text)));
  let bytes = 0;
  for (let f = 0; f < chunks.length; f++) bytes += (await stat(join(dir, "specs", `part${f}.phx`))).size;
  const timing = measure(phoenixArgv("check", "specs"), dir, RUNS);
  await mkdir(join(dir, "one"));
  await writeFile(join(dir, "one", "part0.phx"), componentSpec(0, []));
  const startup = measure(phoenixArgv("check", "one"), dir, RUNS);
  await rm(dir, { recursive: true, force: true });
  const megabytes = bytes / 1024 / 1024;
  const seconds = timing.medianMs / 1000;
  const parsing = Math.max(0.001, (timing.medianMs - startup.medianMs) / 1000);
  return {
    megabytes: round(megabytes), seconds: round(seconds), startupSeconds: round(startup.medianMs / 1000),
    megabytesPerSecond: round(megabytes / parsing), grossMegabytesPerSecond: round(megabytes / seconds), peakRssMb: timing.peakRssMb ?? 0,
  };
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function targets(sizes: readonly SizeResult[], parse: Results["parse"]): Results["targets"] {
  const big = sizes.find((s) => s.components === 10_000);
  const small = sizes.find((s) => s.components === 1_000);
  const out: Results["targets"] = [];
  if (big) {
    out.push({ name: "no-op status at 10,000 / ninja no-op", value: `${big.statusOverNinja}x`, target: "at most 4x", met: big.statusOverNinja <= 4 });
    const ratio = round(big.diffAfterSpecEdit.medianMs / big.diff.medianMs);
    out.push({ name: "one-edit diff at 10,000 / its no-op", value: `${ratio}x`, target: "at most 2x", met: ratio <= 2 });
    const rss = Math.max(...[big.statusComputed, big.status, big.diff, big.diffAfterSpecEdit, big.diffAfterFileEdit].map((t) => t.peakRssMb ?? 0));
    out.push({ name: "peak RSS at 10,000", value: `${rss} MB`, target: "under 400 MB", met: rss < 400 });
    out.push({ name: "stale set equals ninja's after a spec edit (10,000)", value: String(big.staleSetMatchesNinja), target: "true", met: big.staleSetMatchesNinja });
  }
  out.push({ name: "parse + validate (start-up not counted)", value: `${parse.megabytesPerSecond} MB/s`, target: "at least 10 MB/s", met: parse.megabytesPerSecond >= 10 });
  if (small) out.push({ name: "initial build of 1,000", value: `${small.nodesPerSecond} nodes/s`, target: "at least 50 nodes/s", met: small.nodesPerSecond >= 50 });
  return out;
}

function table(results: Results): string {
  const rows = [["components", "build", "nodes/s", "status (computed)", "status", "diff", "diff, spec edit", "diff, file edit", "ninja -n", "status/ninja", "peak RSS"]];
  for (const s of results.sizes) {
    rows.push([String(s.components), `${s.buildSeconds}s`, String(s.nodesPerSecond), `${s.statusComputed.medianMs}ms`, `${s.status.medianMs}ms`, `${s.diff.medianMs}ms`, `${s.diffAfterSpecEdit.medianMs}ms`,
      `${s.diffAfterFileEdit.medianMs}ms`, `${s.ninjaNoop.medianMs}ms`, `${s.statusOverNinja}x`, `${Math.max(...[s.statusComputed, s.status, s.diff, s.diffAfterSpecEdit, s.diffAfterFileEdit].map((t) => t.peakRssMb ?? 0))} MB`]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((c, i) => c.padStart(widths[i]!)).join("  "));
  const p = results.parse;
  const parse = `parse + validate: ${p.megabytes} MB in ${p.seconds}s, of which ${p.startupSeconds}s start-up (a one-file check) = ${p.megabytesPerSecond} MB/s`
    + ` (${p.grossMegabytesPerSecond} MB/s with start-up; peak RSS ${p.peakRssMb} MB)`;
  const goals = results.targets.map((t) => `${t.met ? "met " : "MISS"}  ${t.name}: ${t.value} (${t.target})`);
  return [`phoenix bench on ${results.machine}, node ${results.node}, median of ${RUNS} runs`, "", ...lines, "", parse, "", ...goals].join("\n");
}

async function main(): Promise<void> {
  if (!existsSync(phoenix)) throw new Error("run `npm run build` first");
  // ninja is the reference; without it nothing can be compared, so say so before a 15-minute run
  try {
    execFileSync("ninja", ["--version"], { stdio: "ignore" });
  } catch {
    process.stderr.write("npm run bench compares phoenix with ninja, which is not installed: apt-get install -y ninja-build\n");
    process.exitCode = 1;
    return;
  }
  const sizes: SizeResult[] = [];
  for (const size of SIZES) sizes.push(await benchSize(size));
  const parse = await benchParse();
  const cpu = (await readFile("/proc/cpuinfo", "utf8").catch(() => "")).match(/model name\s*:\s*(.*)/)?.[1] ?? "unknown CPU";
  const results: Results = { machine: `${cpu}, ${(await readFile("/proc/cpuinfo", "utf8").catch(() => "")).match(/^processor/gm)?.length ?? "?"} cores`, node: process.version, at: new Date().toISOString(), sizes, parse, targets: [] };
  results.targets = targets(sizes, parse);
  await mkdir(join(repo, "bench"), { recursive: true });
  await writeFile(join(repo, "bench", "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${table(results)}\n`);
}

await main();
