/**
 * `phoenix burn NODE...` / `phoenix burn --all`: the Phoenix test. A component's files are
 * deleted and it is rebuilt from its spec alone; the build must end green. Code is disposable:
 * if the specs and checks are the asset, this always works. The deletion is an apply like any
 * other, so `phoenix reject NODE` brings the burnt files back if the rebuild fails.
 */
import type { CommandContext } from "./command.js";
import { UsageError } from "./command.js";
import { buildCommand } from "./build.js";
import { projectDir } from "./check.js";
import { checkTargets } from "./targets.js";
import { completeApply, stageApply } from "../build/apply.js";
import { buildOrder } from "../graph.js";
import { readLock } from "../lock/index.js";
import { isSound, loadProject } from "../project.js";

export async function run(context: CommandContext): Promise<number> {
  const all = context.options["all"] === true;
  if (all === (context.args.length > 0)) throw new UsageError("name the components to burn, or pass --all (not both)");
  const dir = projectDir(context.cwd);
  const project = await loadProject(dir, context.cwd);
  if (!isSound(project)) return buildCommand(context, []); // the build reports the spec errors
  const ir = project.desired;
  checkTargets(context.args, ir);
  const nodes = all ? buildOrder(ir) : context.args;
  return buildCommand(context, nodes, async (effects) => {
    const { lock } = await readLock(dir, { cwd: context.cwd });
    for (const node of nodes) {
      const built = lock.components[node];
      if (!built) continue; // never built: the build makes it from its spec anyway
      const intent = { node, root: ir.system.root, writes: [], deletes: Object.keys(built.outputs), state: built, keepPrevious: { state: built } };
      await stageApply(dir, dir, intent);
      await completeApply(dir, intent, { record: async () => undefined, commit: effects.commit });
      context.stdout.write(`burnt ${node}: ${intent.deletes.length} file${intent.deletes.length === 1 ? "" : "s"} deleted; it is rebuilt from its spec (\`phoenix reject ${node}\` brings them back)\n`);
    }
  });
}
