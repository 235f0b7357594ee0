/**
 * Every phoenix command, declared in one place. Modules load only when their command runs, so
 * `phoenix --help` and fast commands never pay for heavy dependencies.
 */
import type { CommandModule } from "./command.js";

/** An option as commander declares it. */
export interface OptionSpec {
  flags: string;
  description: string;
  default?: string | boolean;
  /** Allowed values; anything else is a usage error naming the flag. */
  choices?: readonly string[];
}

/** One command: how it is called, what it does in a line, and where its code lives. */
export interface CommandSpec {
  /** `diff`, or `delta new` for a command of a group. */
  name: string;
  /** Positional arguments in commander syntax, e.g. "[PATH]". */
  args?: string;
  summary: string;
  options?: readonly OptionSpec[];
  load: () => Promise<CommandModule>;
}

const formatOption: OptionSpec = { flags: "--format <format>", description: "output format", default: "text", choices: ["text", "json"] };

/** Commands that hold subcommands (`phoenix delta new`), with their one-line summaries. */
export const commandGroups: Readonly<Record<string, string>> = {
  delta: "requested changes: new, apply, list",
  lock: "the current state file phoenix.lock: restore",
  hooks: "git pre-commit hook running phoenix verify --fast: install, uninstall",
  ci: "continuous integration: init (a GitHub Actions workflow running phoenix verify)",
};

const jsonOption: OptionSpec = { flags: "--json", description: "print JSON (a stable, documented schema) instead of text" };

/** How a build is run: `phoenix build` and `phoenix burn` share them. */
const buildOptions: readonly OptionSpec[] = [
  { flags: "-j, --jobs <n>", description: "how many components to build at once (WIP limit)", default: "2" },
  { flags: "--max-attempts <n>", description: "attempts per component before it fails", default: "3" },
  { flags: "--dry-run", description: "print what would be built, and why, then stop" },
  { flags: "--agent <provider[:argument]>", description: "use this agent for every component in this run (e.g. scripted:demo.json)" },
  { flags: "--sandbox <mode>", description: "confine checks and command agents", default: "auto", choices: ["auto", "bwrap", "none"] },
  { flags: "--runner <runner>", description: "where checks run: here, or in the root's project-container", default: "local", choices: ["local", "container"] },
  { flags: "--json", description: "stream build events as JSON lines" },
];

/** The command table, in the order `phoenix --help` lists it. */
export const commands: readonly CommandSpec[] = [
  {
    name: "init",
    args: "[DIR]",
    summary: "scaffold a new phoenix project (specs, system-under-construction, project-container)",
    options: [{ flags: "--name <name>", description: "system name (default: the directory's name)" }],
    load: () => import("./init.js"),
  },
  {
    name: "check",
    args: "[PATH...]",
    summary: "parse and validate .phx spec files (default: the project's specs/)",
    options: [formatOption],
    load: () => import("./check.js"),
  },
  {
    name: "fmt",
    args: "[PATH...]",
    summary: "rewrite .phx files in canonical layout (--check: only report files that differ)",
    options: [{ flags: "--check", description: "change nothing; exit 1 if any file is not formatted" }],
    load: () => import("./fmt.js"),
  },
  {
    name: "graph",
    summary: "print the build graph of the desired state (dot, mermaid or json)",
    options: [{ flags: "--format <format>", description: "output format", default: "dot", choices: ["dot", "mermaid", "json"] }],
    load: () => import("./graph.js"),
  },
  {
    name: "diff",
    args: "[TARGET...]",
    summary: "show desired state minus current state, and drift (like terraform plan)",
    options: [
      jsonOption,
      { flags: "--explain", description: "show the hashes behind every stale reason" },
      { flags: "--exit-code", description: "exit 1 when there is any difference, 0 when there is none" },
    ],
    load: () => import("./diff.js"),
  },
  {
    name: "status",
    summary: "one screen: every component's state and its last build",
    options: [jsonOption],
    load: () => import("./status.js"),
  },
  {
    name: "build",
    args: "[TARGET...]",
    summary: "regenerate stale components with agents, verified by their checks, until green",
    options: buildOptions,
    load: () => import("./build.js"),
  },
  {
    name: "burn",
    args: "[NODE...]",
    summary: "the Phoenix test: delete components' files and rebuild them from their specs alone",
    options: [
      { flags: "--all", description: "burn every component, in dependency order" },
      ...buildOptions,
    ],
    load: () => import("./burn.js"),
  },
  {
    name: "context",
    args: "<NODE>",
    summary: "print the context pack a component's agent gets: each part with its source and tokens",
    options: [
      { flags: "--budget <tokens>", description: "the most tokens the pack may use (default 50000)" },
      jsonOption,
    ],
    load: () => import("./context.js"),
  },
  {
    name: "questions",
    summary: "list the questions agents asked that wait for a person's answer",
    options: [jsonOption],
    load: () => import("./questions.js"),
  },
  {
    name: "answer",
    args: "<ID> <ANSWER>",
    summary: "answer an agent's question: written into the spec as a decision",
    load: () => import("./answer.js"),
  },
  {
    name: "approve",
    args: "<NODE>",
    summary: "approve a supervised component's current outputs (or one of its human checks)",
    options: [
      { flags: "--by <name>", description: "who approves (default: git user.name)" },
      { flags: "--note <text>", description: "a note kept with the approval" },
      { flags: "--check <name>", description: "approve this human check of the component" },
    ],
    load: () => import("./approve.js"),
  },
  {
    name: "reject",
    args: "<NODE>",
    summary: "reject a component's last build: its previous version comes back, the reason goes to its next attempt",
    options: [
      { flags: "--reason <text>", description: "what is wrong (required)" },
      { flags: "--by <name>", description: "who rejects (default: git user.name)" },
    ],
    load: () => import("./reject.js"),
  },
  {
    name: "adopt",
    args: "<NODE>",
    summary: "accept a hand edit of a component's files into the current state, as a recorded override",
    options: [
      { flags: "--reason <text>", description: "why the hand edit is kept (required)" },
      { flags: "--kind <kind>", description: "waiver, temporary-patch or promote-to-requirement", default: "waiver" },
      { flags: "--expires <date>", description: "the last day of a temporary patch (YYYY-MM-DD)" },
      { flags: "--by <name>", description: "who adopts (default: git user.name)" },
    ],
    load: () => import("./adopt.js"),
  },
  {
    name: "why",
    args: "<FILE>",
    summary: "trace a file to its component, requirements, decisions, build and checks",
    load: () => import("./why.js"),
  },
  {
    name: "report",
    summary: "kaizen: first-pass yield, attempts, lead time, failing checks and trust, from the journal",
    options: [
      { flags: "--since <date>", description: "only what happened on or after this date or time" },
      jsonOption,
      { flags: "--html <file>", description: "write an HTML report with the build graph and trend charts" },
      { flags: "--prices <in,out>", description: "dollars per million input and output tokens, for the cost" },
    ],
    load: () => import("./kaizen.js"),
  },
  {
    name: "observe",
    summary: "run the probe checks against the running system and record what they saw as current state",
    options: [{ flags: "--url <base>", description: "a running system to observe (default: start one from the root's start command)" }],
    load: () => import("./observe.js"),
  },
  {
    name: "verify",
    summary: "prove the code is what the specs ask: nothing stale, drifted or unapproved, every check green, none weakened",
    options: [
      { flags: "--fast", description: "specs, phoenix.lock and drift only; no checks run (for pre-commit)" },
      { flags: "--staged", description: "verify what git has staged (with --fast), not the working tree" },
      { flags: "--base <ref>", description: "also fail on checks weakened since this git ref (e.g. origin/main)" },
      jsonOption,
      { flags: "--junit <file>", description: "write JUnit XML: one testcase per check" },
      { flags: "--sandbox <mode>", description: "confine checks", default: "auto", choices: ["auto", "bwrap", "none"] },
    ],
    load: () => import("./verify.js"),
  },
  {
    name: "allow-weakening",
    summary: "a person signs off on the weakened checks found against a base ref (recorded in phoenix.lock)",
    options: [
      { flags: "--base <ref>", description: "the git ref the weakenings are measured against" },
      { flags: "--reason <text>", description: "why the checks may be weaker (required)" },
      { flags: "--by <name>", description: "who signs off (default: git user.name)" },
      { flags: "--fast", description: "do not run checks (coverage is then taken from phoenix.lock, not measured)" },
      { flags: "--sandbox <mode>", description: "confine the checks it runs", default: "auto", choices: ["auto", "bwrap", "none"] },
    ],
    load: () => import("./allow-weakening.js"),
  },
  {
    name: "hooks install",
    summary: "install a git pre-commit hook that runs phoenix verify --fast on what is staged",
    options: [
      { flags: "--force", description: "replace a pre-commit hook that is not phoenix's" },
      { flags: "--chain", description: "keep a pre-commit hook that is not phoenix's and run it first" },
    ],
    load: async () => ({ run: async (context) => (await import("./hooks.js")).run({ ...context, args: ["install"] }) }),
  },
  {
    name: "hooks uninstall",
    summary: "remove phoenix's pre-commit hook (and restore a chained one)",
    load: async () => ({ run: async (context) => (await import("./hooks.js")).run({ ...context, args: ["uninstall"] }) }),
  },
  {
    name: "ci init",
    summary: "write a GitHub Actions workflow that runs phoenix verify --base origin/main",
    options: [{ flags: "--force", description: "replace an existing workflow" }],
    load: () => import("./ci-init.js"),
  },
  {
    name: "delta new",
    args: "<NAME> <SUMMARY>",
    summary: "write a delta skeleton for a component, pinned to its current spec hash",
    options: [{ flags: "--component <name>", description: "the component the delta changes" }],
    load: () => import("./delta-new.js"),
  },
  {
    name: "delta apply",
    args: "<NAME>",
    summary: "fold a delta into the base spec files and archive it under specs/deltas/applied/",
    load: () => import("./delta-apply.js"),
  },
  {
    name: "delta list",
    summary: "list the pending deltas and what each changes",
    load: () => import("./delta-list.js"),
  },
  {
    name: "lock restore",
    summary: "replace phoenix.lock with its previous version, phoenix.lock.bak",
    load: () => import("./lock-restore.js"),
  },
  {
    name: "demo",
    summary: "run the offline demo on a copy of the example system (no agent credentials needed)",
    load: () => import("./demo.js"),
  },
];
