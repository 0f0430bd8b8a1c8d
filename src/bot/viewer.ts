/** The person asking, as the task access rules (src/domain/access.ts) see them. */
import type { Viewer } from '../domain/access.js';
import { isAdmin } from './access.js';
import type { BotContext } from './context.js';

export function viewerOf(ctx: BotContext): Viewer {
  return { id: ctx.person._id, admin: isAdmin(ctx) };
}
