import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * A small tmpfs of its own for a server's data directory, so a test can fill the disk under a
 * running process and free it again. The fault is real: the kernel answers the server's writes
 * with ENOSPC, which SQLite reports as SQLITE_FULL.
 *
 * Why this and not a read-only file: we run as root, so chmod changes nothing; `chattr +i` and
 * `mount -o remount,ro` only affect files opened afterwards (the kernel refuses the remount with
 * EBUSY while a file is open for writing, and an open descriptor keeps writing through +i), and
 * SQLite keeps its database and WAL open for the life of the process.
 */
export class SmallFilesystem {
  private ballastFd: number | null = null;

  private constructor(readonly mountPoint: string) {}

  /** Why a tmpfs cannot be mounted here (not root, no CAP_SYS_ADMIN, mount missing), or null if it can. */
  static unavailableReason(): string | null {
    if (process.getuid?.() !== 0) return "needs root to mount a tmpfs";
    const probe = mkdtempSync(path.join(tmpdir(), "hookline-tmpfs-probe-"));
    try {
      const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", probe], { encoding: "utf8" });
      if (mounted.status !== 0) return `mount -t tmpfs failed: ${(mounted.stderr || mounted.error?.message) ?? ""}`;
      spawnSync("umount", [probe]);
      return null;
    } finally {
      rmSync(probe, { recursive: true, force: true });
    }
  }

  static mount(sizeMb: number): SmallFilesystem {
    const dir = mkdtempSync(path.join(tmpdir(), "hookline-tmpfs-"));
    const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${sizeMb}m`, "tmpfs", dir], { encoding: "utf8" });
    if (mounted.status !== 0) throw new Error(`mount -t tmpfs failed: ${mounted.stderr}`);
    return new SmallFilesystem(dir);
  }

  /** Takes every free byte with a ballast file; returns how many bytes it took. */
  fill(): number {
    if (this.ballastFd !== null) throw new Error("already full");
    this.ballastFd = openSync(path.join(this.mountPoint, "ballast"), "w");
    let taken = 0;
    // Large chunks first, then smaller ones, down to a page: the last free page goes too.
    for (let chunk = 1 << 20; chunk >= 4096; chunk >>= 1) {
      const bytes = Buffer.alloc(chunk, 1);
      for (;;) {
        try {
          const n = writeSync(this.ballastFd, bytes);
          taken += n;
          if (n < chunk) break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "ENOSPC") break;
          throw error;
        }
      }
    }
    return taken;
  }

  /** Frees the space the ballast took. */
  clear(): void {
    if (this.ballastFd === null) return;
    closeSync(this.ballastFd);
    this.ballastFd = null;
    rmSync(path.join(this.mountPoint, "ballast"), { force: true });
  }

  /** Unmounts (lazily, in case a killed process still holds a file) and removes the mount point. */
  remove(): void {
    this.clear();
    spawnSync("umount", ["-l", this.mountPoint]);
    rmSync(this.mountPoint, { recursive: true, force: true });
  }
}
