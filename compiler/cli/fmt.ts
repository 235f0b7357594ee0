/** `phoenix fmt [--check] [PATH...]`: placeholder until the formatter lands. */
import type { CommandContext } from "./command.js";
export async function run(_context: CommandContext): Promise<number> {
  return 1;
}
