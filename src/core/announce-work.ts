import type { AppContext } from "../main/context.ts";

/**
 * Work became due outside the normal hand-off (a resend, a recover, deliveries no local worker
 * had room for): wake this process's worker and, through the store, the workers of every other
 * process. A failed notification is only logged: the work is committed, and pollers find it.
 */
export async function announceWork(ctx: AppContext): Promise<void> {
  ctx.dispatcher?.wake();
  await ctx.store.coordination.notifyWork().catch((error: unknown) => {
    ctx.log.warn({ err: error }, "could not notify other workers; they will find the work when they poll");
  });
}
