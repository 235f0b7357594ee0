/**
 * `phoenix build`, the engine: moves current state to desired state.
 *
 *   writer lock -> finish interrupted applies -> observe and plan -> remove what the specs dropped
 *   -> build stale nodes in topological order, up to `jobs` agents and checks at work at once
 *      (pull, WIP limit; a green node applies its files while the next one starts)
 *
 * A node is decided when its dependencies are done: stale in the plan, or made stale by a
 * dependency whose rebuilt interface differs from the one it was built against; a dependency
 * rebuilt with the same interface leaves it alone (early cutoff). A node whose dependency did not
 * get green is blocked; independent nodes carry on (stop the line downstream only).
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { agentKey, createAgent, type AgentProvider } from "../../generators/agents/index.js";
import type { Diagnostic } from "../../spec-lang/index.js";
import { UserError } from "../cli/command.js";
import { checkTargets } from "../cli/targets.js";
import { buildGraph, withDependencies } from "../graph.js";
import { ReadyQueue } from "../ready-queue.js";
import { inputHash } from "../hash.js";
import { componentNamed, type Agent, type Component, type Ir } from "../ir.js";
import { readLock, withWriterLock, writeLock, type Lock } from "../lock/index.js";
import { observeProject } from "../observe.js";
import { buildInputs, effectiveAgent, type ComponentPlan } from "../plan.js";
import { applyFiles, completeApply, finishApply, recoverApplies, stageApply, type ApplyEffects, type ApplyIntent } from "./apply.js";
import type { BuildEvent, NodeResult } from "./events.js";
import { commitPaths, gitTopLevel } from "./git.js";
import { appendJournal } from "./journal.js";
import { buildNode, buildScratchDir, type NodeOutcome } from "./node-build.js";
import { OverlayPool } from "./workspace/overlay.js";
import { removeTree } from "./workspace/tree.js";
import { openSandbox, type Sandbox } from "./sandbox.js";
import { containerSandbox } from "./container.js";
import { judgeSetup, type JudgeSetup } from "./judge.js";
import type { SandboxMode } from "./types.js";

export interface BuildOptions {
  projectDir: string;
  /** Where file names in messages are relative to. */
  cwd: string;
  /** Build only these and their dependencies; empty: everything. */
  targets: readonly string[];
  jobs: number;
  maxAttempts: number;
  sandbox: SandboxMode;
  runner: "local" | "container";
  /** `--agent`: overrides every component's and the system's agent for this run. */
  agent?: Agent;
  dryRun: boolean;
  signal: AbortSignal;
  emit(event: BuildEvent): void;
  onWarning(message: string): void;
  env?: Readonly<Record<string, string | undefined>>;
  /** Runs under the writer lock after interrupted applies are finished, before planning (burn deletes here). */
  beforePlan?: (effects: ApplyEffects) => Promise<void>;
}

export type BuildOutcome =
  | { kind: "invalid"; diagnostics: Diagnostic[]; files: number }
  | { kind: "planned"; nodes: ComponentPlan[] }
  | { kind: "built"; exitCode: number; results: Map<string, { result: NodeResult; detail: string }> };

export async function runBuild(options: BuildOptions): Promise<BuildOutcome> {
  return withWriterLock(options.projectDir, () => buildLocked(options), { onWarning: options.onWarning });
}

async function buildLocked(options: BuildOptions): Promise<BuildOutcome> {
  const { projectDir } = options;
  const repo = await gitTopLevel(projectDir);
  const committer = gitCommitter(projectDir, repo, options.onWarning);
  const keeper = new LockKeeper(projectDir, (await readLock(projectDir, { cwd: options.cwd })).lock, committer);
  // intents finished by writeNow are finished there: recording must not finish them twice
  const effects = applyEffects(keeper, { commit: async () => undefined });
  const recovered = await recoverApplies(projectDir, effects);
  if (recovered.length > 0) options.emit({ type: "recovered", nodes: recovered });
  await removeTree(buildScratchDir(projectDir));
  if (options.beforePlan) await options.beforePlan(effects);

  const seen = await observeProject(projectDir, options.cwd);
  if (!seen.ok) return { kind: "invalid", diagnostics: seen.diagnostics, files: seen.project.files.length };
  const ir = withAgentOverride(seen.project.desired, options.agent);
  checkTargets(options.targets, ir);
  const scope = options.targets.length > 0 ? withDependencies(ir, options.targets) : new Set(ir.components.map((c) => c.name));
  const planned = seen.plan.components.filter((c) => scope.has(c.name) && c.action !== "none" && c.action !== "remove");
  const removals = options.targets.length > 0 ? [] : seen.plan.components.filter((c) => c.action === "remove");
  if (options.dryRun) return { kind: "planned", nodes: [...planned, ...removals] };

  const judge = judgeSetup(options.env ?? process.env);
  if (!judge) requireNoBlockingJudges(ir, scope);
  // every node in scope may turn stale (a dependency's interface changes), but only planned ones must have an agent
  const agents = await agentsFor(ir, [...scope], new Set(planned.map((c) => c.name)), projectDir);
  // agents always run here (confined by --sandbox); checks run here too, or in the project-container
  const sandbox = await openSandbox(options.sandbox, { scratchDir: join(projectDir, ".phoenix"), onWarning: options.onWarning });
  const checkSandbox = options.runner === "container" ? await containerSandbox(join(projectDir, ir.system.root), ir.system.container) : sandbox;
  const buildId = randomUUID();
  options.emit({
    type: "plan", build: buildId, nodes: planned.map((c) => ({ node: c.name, reasons: c.reasons.map((r) => r.code) })),
    removals: removals.map((c) => c.name), sandbox: sandbox.kind, checks: checkSandbox.kind, jobs: options.jobs,
    agents: Object.fromEntries(planned.map((c) => [c.name, agents.get(c.name)!.label])),
  });

  for (const removal of removals) await remove(removal.name, keeper, projectDir, ir, effects, options);
  const context: Scheduling = {
    options, ir, specIr: seen.project.desired, keeper, agents, sandbox, checkSandbox, judge, buildId, effects, repo, seenDrift: seen.seen,
    stale: new Map(planned.map((c) => [c.name, c.reasons.map((r) => r.code)])),
    deltas: seen.project.changedBy,
    overlays: new OverlayPool(4 * options.jobs),
  };
  let results: Map<string, Done>;
  try {
    results = await schedule(context, [...scope]);
  } finally {
    // every apply of this build on disk before the writer lock is let go
    await keeper.flush();
    await context.overlays.close();
  }
  return { kind: "built", exitCode: [...results.values()].every((r) => r.result === "green" || r.result === "unchanged") ? 0 : 1, results };
}

/** A blocking judge needs a model: without an API key the build stops before any node starts. */
function requireNoBlockingJudges(ir: Ir, scope: ReadonlySet<string>): void {
  for (const component of ir.components.filter((c) => scope.has(c.name))) {
    const judge = component.checks.find((c) => c.kind === "judge" && !c.advisory);
    if (judge) {
      throw new UserError(`check ${judge.name} of ${component.name} is a judge (LLM judgment) and blocks: set ANTHROPIC_API_KEY (and ANTHROPIC_BASE_URL for a gateway) so it can be judged, or make it advisory`);
    }
  }
}

/** The IR the build uses: with `--agent`, that agent builds every component (and is recorded as their builder). */
function withAgentOverride(ir: Ir, agent: Agent | undefined): Ir {
  if (!agent) return ir;
  return { ...ir, system: { ...ir.system, agent }, components: ir.components.map(({ agent: _, ...c }) => c) };
}

/** One provider per distinct agent, made before any node starts so a missing one stops nothing half-way. */
async function agentsFor(ir: Ir, nodes: readonly string[], required: ReadonlySet<string>, projectDir: string): Promise<Map<string, AgentProvider>> {
  const byKey = new Map<string, Promise<AgentProvider>>();
  const out = new Map<string, AgentProvider>();
  for (const name of nodes) {
    const agent = effectiveAgent(componentNamed(ir, name)!, ir);
    if (!agent && !required.has(name)) continue;
    if (!agent) throw new UserError(`component ${name} has no agent: set \`agent PROVIDER\` in the system block (or the component), or pass --agent`);
    const key = agentKey(agent);
    if (!byKey.has(key)) byKey.set(key, createAgent(agent, projectDir));
    out.set(name, await byKey.get(key)!);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// phoenix.lock while building

/**
 * The lock in memory and on disk. Writes are serialised, and a build's applies are group-committed:
 * each apply's entry goes into the lock in memory at once (later decisions see it), and the lock
 * is written for several applies together. Until then their intents stay under .phoenix/apply/,
 * so a crash loses nothing: the next build completes them. An apply with a git commit is written
 * at once, so that its commit holds exactly its own entry.
 */
class LockKeeper {
  private queue: Promise<unknown> = Promise.resolve();
  /** Applies whose entries are in `lock` but not yet on disk, each with the flush its files still owe. */
  private pending: { intent: ApplyIntent; flush: () => Promise<void> }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastWriteMs = 0;
  /**
   * Whether `lock.components` is also held by a lock being written (or just written, which
   * writeLock remembers): it is copied before the next change, once per write, not per apply
   * (a copy per apply made a 10,000-node build quadratic).
   */
  private componentsShared = true;

  constructor(private readonly projectDir: string, public lock: Lock, private readonly effects: Pick<ApplyEffects, "commit">) {}

  /** Applies `change` to the lock and writes it (with every pending apply), after every earlier write. */
  update<T>(change: (lock: Lock) => T): Promise<T> {
    return this.serial(async () => {
      const copy = structuredClone(this.lock);
      const result = change(copy);
      this.lock = copy;
      this.componentsShared = false;
      await this.write();
      return result;
    });
  }

  /** Runs `work` after every earlier write, before any later one (applies must not interleave). */
  serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * An apply whose files are in place: its entry joins the lock now, on disk with the next write
   * (any time, even during one), its files flushed just before (`flush`, from applyFiles).
   */
  stage(intent: ApplyIntent, flush: () => Promise<void> = async () => undefined): void {
    if (this.componentsShared) {
      this.lock = { ...this.lock, components: { ...this.lock.components } };
      this.componentsShared = false;
    }
    if (intent.state) this.lock.components[intent.node] = intent.state;
    else delete this.lock.components[intent.node];
    this.pending.push({ intent, flush });
  }

  /** Writes the pending applies now (inside serial). */
  async writeNow(): Promise<void> {
    if (this.pending.length > 0) await this.write();
  }

  /** Writes the pending applies soon, together with those that come meanwhile. */
  writeSoon(): void {
    // a write costs what the whole lock costs: waiting a few times as long keeps a 10,000-node
    // build from spending its time rewriting phoenix.lock
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.serial(() => this.writeNow()).catch(() => undefined);
    }, Math.max(GROUP_COMMIT_MS, WRITE_SHARE * this.lastWriteMs));
  }

  /** Every pending apply on disk: at the end of a build. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.serial(() => this.writeNow());
  }

  private async write(): Promise<void> {
    const done = this.pending.splice(0);
    const started = performance.now();
    // the applies' files on disk before their records can go (a crash until then redoes them)
    await Promise.all(done.map((apply) => apply.flush()));
    const snapshot = this.lock;
    this.componentsShared = true;
    const written = (await writeLock(this.projectDir, snapshot)).lock;
    // applies staged while it was written stay in memory, on disk with the next write
    this.lock = this.lock === snapshot ? written : { ...this.lock, serial: written.serial };
    this.lastWriteMs = performance.now() - started;
    for (const { intent } of done) await finishApply(this.projectDir, intent, this.effects);
  }
}

/**
 * How long an apply may wait for others to share its phoenix.lock write, at least: its record
 * keeps it safe meanwhile. A write renders and flushes the whole lock (megabytes at thousands).
 */
const GROUP_COMMIT_MS = 500;
/** ... and at least this many times as long as the last write took. */
const WRITE_SHARE = 4;

function gitCommitter(projectDir: string, repo: string | null, onWarning: (m: string) => void): Pick<ApplyEffects, "commit"> {
  return {
    async commit(intent) {
      if (!repo) return;
      const rootDir = join(projectDir, intent.root);
      const paths = [...intent.writes, ...intent.deletes].map((p) => join(rootDir, p));
      try {
        await commitPaths(repo, [...paths, join(projectDir, "phoenix.lock")], intent.commit!.message);
      } catch (error) {
        onWarning(`could not commit ${intent.node}'s build (its files and phoenix.lock are written): ${(error as Error).message.split("\n")[0]}`);
      }
    },
  };
}

/** What completing an apply does outside a build's group commit (recovery, removal): record at once. */
function applyEffects(keeper: LockKeeper, committer: Pick<ApplyEffects, "commit">): ApplyEffects {
  return {
    // called inside keeper.serial: stage and write directly, not through the queue (it would wait for itself)
    async record(intent) {
      keeper.stage(intent);
      await keeper.writeNow();
    },
    commit: committer.commit,
  };
}

async function remove(node: string, keeper: LockKeeper, projectDir: string, ir: Ir, effects: ApplyEffects, options: BuildOptions): Promise<void> {
  const built = keeper.lock.components[node]!;
  const intent: ApplyIntent = { node, root: ir.system.root, writes: [], deletes: Object.keys(built.outputs), state: null };
  await keeper.serial(async () => {
    await stageApply(projectDir, projectDir, intent);
    await completeApply(projectDir, intent, effects);
  });
  options.emit({ type: "removed", node, files: intent.deletes.length });
}

// ---------------------------------------------------------------------------------------------
// scheduling

interface Scheduling {
  options: BuildOptions;
  /** The desired state, with `--agent` as every component's agent: what builds are recorded with. */
  ir: Ir;
  /** The desired state as the specs say it: what staleness is judged by (`--agent` picks who builds, it makes nothing stale). */
  specIr: Ir;
  keeper: LockKeeper;
  agents: Map<string, AgentProvider>;
  sandbox: Sandbox;
  checkSandbox: Sandbox;
  overlays: OverlayPool;
  judge: JudgeSetup | null;
  buildId: string;
  effects: ApplyEffects;
  repo: string | null;
  seenDrift: Parameters<typeof buildInputs>[2];
  /** Nodes the plan calls stale, with their reasons. */
  stale: Map<string, string[]>;
  /** The deltas that change each component. */
  deltas: ReadonlyMap<string, string[]>;
}

type Done = { result: NodeResult; detail: string };

/**
 * Builds the nodes of `scope`, dependencies first, at most `jobs` at work at a time (a green
 * node applying its files has given its slot to the next; its dependents wait for it). Event-driven: each
 * node counts its unfinished dependencies, and a finished node tells only its own dependents, so
 * scheduling costs the graph's edges, not nodes times nodes. A failed dependency blocks its
 * dependents at once, and theirs in turn (stop the line downstream only).
 */
async function schedule(context: Scheduling, scope: readonly string[]): Promise<Map<string, Done>> {
  const { options, ir } = context;
  const graph = buildGraph(ir);
  const position = new Map(scope.map((name, i) => [name, i]));
  const components = new Map(ir.components.map((c) => [c.name, c]));
  const inScope = (name: string) => position.has(name);
  const unfinished = new Map(scope.map((name) => [name, graph.dependenciesOf(name).filter(inScope).length]));
  const buildable = new ReadyQueue(position);
  const reasons = new Map<string, string[]>();
  const done = new Map<string, Done>();
  const running = new Map<string, Promise<void>>();
  /** Running nodes whose agent or checks are at work: what --jobs bounds (the others only apply their files). */
  const working = new Set<string>();
  let wake = () => {};
  /** Finished nodes whose dependents have not heard of it yet (a list, not recursion: chains can be 10,000 long). */
  const settled: string[] = [];
  const total = context.stale.size;
  let started = 0;
  const conclude = (name: string, outcome: Done) => {
    done.set(name, outcome);
    settled.push(name);
  };
  const finish = (name: string, outcome: Done) => {
    if (outcome.result !== "unchanged") options.emit({ type: "node-done", node: name, result: outcome.result, detail: outcome.detail, attempts: 0, durationMs: 0 });
    conclude(name, outcome);
  };
  const consider = (name: string) => {
    const decision = decide(context, name);
    if (decision.kind === "skip") return finish(name, decision.done);
    reasons.set(name, decision.reasons);
    buildable.push(name);
  };
  const propagate = () => {
    for (let name = settled.pop(); name !== undefined; name = settled.pop()) {
      const outcome = done.get(name)!;
      const passed = outcome.result === "green" || outcome.result === "unchanged";
      for (const dependent of graph.dependentsOf(name).filter(inScope)) {
        if (done.has(dependent)) continue;
        if (!passed) {
          finish(dependent, { result: "blocked", detail: `blocked by ${name} (${outcome.result})` });
          continue;
        }
        const left = unfinished.get(dependent)! - 1;
        unfinished.set(dependent, left);
        if (left === 0) consider(dependent);
      }
    }
  };
  const start = (name: string) => {
    started++;
    options.emit({ type: "node-start", node: name, index: started, total: Math.max(total, started), reasons: reasons.get(name)!, agent: context.agents.get(name)?.label ?? "" });
    const t0 = performance.now();
    working.add(name);
    const releaseSlot = () => {
      if (working.delete(name)) wake();
    };
    running.set(name, runNode(context, components.get(name)!, reasons.get(name)!, releaseSlot).then((outcome) => {
      working.delete(name);
      running.delete(name);
      options.emit({ type: "node-done", node: name, result: outcome.result, detail: outcome.detail, attempts: outcome.attempts, durationMs: Math.round(performance.now() - t0), ...(outcome.files !== undefined && { files: outcome.files }) });
      conclude(name, outcome);
    }));
  };
  const onAbort = () => options.emit({ type: "cancelling" });
  options.signal.addEventListener("abort", onAbort, { once: true });
  try {
    for (const name of scope) if (unfinished.get(name) === 0) consider(name);
    for (;;) {
      propagate();
      // a node applying its files holds no slot, and at most as many apply as the slots allow
      while (buildable.size > 0 && ((working.size < options.jobs && running.size < 2 * options.jobs) || options.signal.aborted)) {
        const name = buildable.shift()!;
        if (options.signal.aborted) finish(name, { result: "cancelled", detail: "not started: the build was cancelled" });
        else start(name);
        propagate();
      }
      if (running.size === 0) break;
      await Promise.race([new Promise<void>((resolve) => (wake = resolve)), ...running.values()]);
    }
  } finally {
    options.signal.removeEventListener("abort", onAbort);
  }
  const counts = { green: 0, unchanged: 0, failed: 0, "needs-human": 0, blocked: 0, cancelled: 0 } satisfies Record<NodeResult, number>;
  for (const r of done.values()) counts[r.result]++;
  const approved = (name: string) => {
    const state = context.keeper.lock.components[name];
    return state?.approvals.some((a) => a.outputHash === state.outputHash && a.check === undefined) ?? false;
  };
  const awaitingApproval = [...done].filter(([name, r]) => r.result === "green" && components.get(name)!.autonomy === "supervised" && !approved(name)).map(([name]) => name);
  const exitCode = counts.failed + counts["needs-human"] + counts.blocked + counts.cancelled > 0 ? 1 : 0;
  options.emit({ type: "done", counts, removed: 0, awaitingApproval, exitCode });
  return done;
}

type Decision = { kind: "build"; reasons: string[] } | { kind: "skip"; done: Done };

/** Whether a node whose dependencies are done needs building, now that their interfaces are known. */
function decide(context: Scheduling, name: string): Decision {
  const { keeper } = context;
  const question = Object.entries(keeper.lock.questions ?? {}).find(([, q]) => q.component === name);
  const planned = context.stale.get(name);
  if (question && (planned || !keeper.lock.components[name])) {
    return { kind: "skip", done: { result: "needs-human", detail: `waits for an answer to ${question[0]}: ${question[1].text}` } };
  }
  if (planned) return { kind: "build", reasons: planned };
  const built = keeper.lock.components[name];
  const component = componentNamed(context.specIr, name)!;
  const inputs = buildInputs(component, context.specIr, { ...context.seenDrift, lock: keeper.lock });
  if (built && inputHash(inputs) !== built.inputHash) {
    const changed = Object.entries(inputs.dependencyInterfaces).filter(([d, h]) => built.dependencyInterfaces[d] !== h).map(([d]) => d);
    if (!context.agents.has(name)) return { kind: "skip", done: { result: "failed", detail: "stale (a dependency's interface changed) but it has no agent: set `agent` in the specs or pass --agent" } };
    return { kind: "build", reasons: changed.length > 0 ? ["dependency-interface-changed"] : ["spec-changed"] };
  }
  return { kind: "skip", done: { result: "unchanged", detail: "up to date" } };
}

async function runNode(context: Scheduling, component: Component, reasons: string[], releaseSlot: () => void): Promise<NodeOutcome> {
  const { options, ir, keeper } = context;
  const projectDir = options.projectDir;
  const inputs = buildInputs(component, ir, { ...context.seenDrift, lock: keeper.lock });
  try {
    return await buildNode({
      projectDir, deltas: context.deltas.get(component.name) ?? [], rootDir: join(projectDir, ir.system.root), ir, component, inputs, inputHash: inputHash(inputs), reasons,
      agent: context.agents.get(component.name)!, sandbox: context.sandbox, checkSandbox: context.checkSandbox, overlays: context.overlays, maxAttempts: options.maxAttempts, buildId: context.buildId,
      env: options.env ?? process.env, signal: options.signal, emit: options.emit,
      journal: (entry) => appendJournal(projectDir, entry),
      apply: async (intent, workspaceDir) => {
        const full = { ...intent, root: ir.system.root };
        const applyNow = async (deferFlush: boolean) => applyFiles(projectDir, full, await stageApply(projectDir, workspaceDir, full), { deferFlush });
        if (full.commit) {
          // a commit holds exactly its own node's files and entry: applied and written alone
          await keeper.serial(async () => {
            await applyNow(false);
            keeper.stage(full);
            await keeper.writeNow();
          });
          return;
        }
        // nodes own disjoint files: their applies run side by side, and join the lock in memory
        // at once, even while it is being written (they are on disk with the next write, their
        // files flushed then, a batch at a time)
        keeper.stage(full, await applyNow(true));
        keeper.writeSoon();
      },
      ask: (question) => keeper.update((lock) => {
        const id = nextQuestionId(lock, component);
        lock.questions = { ...lock.questions, [id]: { component: component.name, askedAt: new Date().toISOString(), ...question } };
        return id;
      }),
      commits: context.repo !== null && component.autonomy === "autonomous", judge: context.judge, releaseSlot,
      ...(keeper.lock.components[component.name] && { previousState: keeper.lock.components[component.name] }),
    });
  } catch (error) {
    if (error instanceof UserError) return { result: "failed", detail: error.message, attempts: 0 };
    throw error;
  }
}

/** `web-Q1`, `web-Q2`, ...: the first number no open question or recorded decision of the node uses. */
function nextQuestionId(lock: Lock, component: Component): string {
  const taken = new Set([...Object.keys(lock.questions ?? {}), ...component.decisions.map((d) => d.id)]);
  let n = 1;
  while (taken.has(`${component.name}-Q${n}`)) n++;
  return `${component.name}-Q${n}`;
}
