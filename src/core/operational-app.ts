import type { Clock } from "./clock.ts";
import { OPERATIONAL_APP_SETTING, type Store } from "../store/store.ts";
import { newId } from "./ids.ts";

/** The setting that names the hidden application holding the operational webhook endpoints. */
const SETTING = OPERATIONAL_APP_SETTING;

/**
 * Operational webhooks travel through the ordinary delivery engine (docs/operations.md,
 * "Operational webhooks"): their endpoints are the endpoints of one hidden application, and an
 * operational event is a message in it. Its id is kept as a setting, so every process sharing the
 * database finds the same one; it has no uid, so no tenant's application can take its name. The
 * application API does not list or serve it (applications.ts).
 */
export class OperationalApp {
  private known: string | null = null;
  private resolving: Promise<string> | null = null;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** The hidden application's id, once `id()` has resolved it (at start-up); null before. */
  get knownId(): string | null {
    return this.known;
  }

  /** Finds the hidden application, creating it the first time any process asks. */
  id(): Promise<string> {
    this.resolving ??= this.resolve().catch((error: unknown) => {
      this.resolving = null;
      throw error;
    });
    return this.resolving;
  }

  private async resolve(): Promise<string> {
    const now = this.clock.now();
    const id = await this.store.settings.putIfAbsent(SETTING, newId("app", now));
    if (!(await this.store.applications.get(id))) {
      try {
        await this.store.applications.insert({
          id,
          uid: null,
          name: "Hookline operational webhooks",
          throttleRate: null,
          metadata: {},
          createdAt: now,
          updatedAt: now,
        });
      } catch (error) {
        // Another process created it first.
        if (!(await this.store.applications.get(id))) throw error;
      }
    }
    this.known = id;
    return id;
  }
}
