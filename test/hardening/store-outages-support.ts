import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { Client } from 'pg';
import { createEventStore, type EventStore } from '@desk/event-store';
import { createReadModelStore, type ReadModelStore } from '@desk/read-models';
import { seedOrganisation } from '../api/support/org';
import { TestDesk } from '../api/support/test-desk';

/**
 * Polls until the check holds (or the time is up: the last value is returned for the spec's own expectation). A read
 * that throws is tried again until the time is up, then its error is thrown: just after an outage ends, a pooled
 * connection the outage ended may still be handed out once ("terminating connection due to administrator command").
 */
export async function eventually<T>(read: () => Promise<T> | T, check: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await read();
      if (check(value) || Date.now() > deadline) return value;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A PostgreSQL database of the spec's own, which it can make read-only and writable again as a failover or an
 * operator would: `ALTER DATABASE … SET default_transaction_read_only`, then every session of that database ended
 * (pg_terminate_backend), so that the desk's pools reconnect and get the new setting. Nothing else on the server
 * is touched.
 */
export class OwnDatabase {
  private constructor(
    private readonly adminUrl: string,
    readonly name: string,
    readonly url: string,
  ) {}

  static async create(adminUrl: string, prefix = 'desk_outage'): Promise<OwnDatabase> {
    const name = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    await OwnDatabase.admin(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return new OwnDatabase(adminUrl, name, url.toString());
  }

  private static async admin<T>(adminUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: adminUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  async readOnly(on: boolean): Promise<void> {
    await OwnDatabase.admin(this.adminUrl, async (client) => {
      await client.query(`ALTER DATABASE ${this.name} SET default_transaction_read_only = ${on ? 'on' : 'off'}`);
      await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [
        this.name,
      ]);
    });
  }

  async drop(): Promise<void> {
    await OwnDatabase.admin(this.adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`));
  }
}

/**
 * A small file system of the spec's own (tmpfs), to fill up for real (ENOSPC, SQLITE_FULL); null where this process may not mount (not root, no tmpfs), and the spec says it is skipped.
 */
export class SmallDisk {
  private constructor(readonly path: string) {}

  static tryMount(megabytes: number): SmallDisk | null {
    const path = mkdtempSync(join(tmpdir(), 'desk-small-disk-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m,mode=0700`, 'tmpfs', path], { stdio: 'ignore' });
      return new SmallDisk(path);
    } catch {
      rmSync(path, { recursive: true, force: true });
      return null;
    }
  }

  /** Whether mounting works here at all (tried once, on a throw-away mount). */
  static available(): boolean {
    const disk = SmallDisk.tryMount(1);
    if (!disk) return false;
    disk.unmount();
    return true;
  }

  folder(name: string): string {
    const path = join(this.path, name);
    mkdirSync(path, { recursive: true });
    return path;
  }

  /** Fills what is left with one file (dd stops at ENOSPC); `free()` removes it. */
  fill(): void {
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${join(this.path, 'filler')}`, 'bs=64k'], { stdio: 'ignore' });
    } catch {
      // dd ends with "No space left on device": that is the point.
    }
  }

  free(): void {
    rmSync(join(this.path, 'filler'), { force: true });
  }

  unmount(): void {
    try {
      execFileSync('umount', ['-l', this.path], { stdio: 'ignore' });
    } finally {
      rmSync(this.path, { recursive: true, force: true });
    }
  }
}

/**
 * SQLite's own limit on the size of one connection's database file (PRAGMA max_page_count): past it, a commit
 * fails with SQLITE_FULL exactly as on a full disk. `extraPages` more than the file has now; null lifts it.
 */
export async function capSqliteFile<Tables>(db: Kysely<Tables>, extraPages: number | null): Promise<void> {
  if (extraPages === null) {
    await sql`pragma max_page_count = 1073741823`.execute(db);
    return;
  }
  const { rows } = await sql<{ page_count: number }>`pragma page_count`.execute(db);
  await sql.raw(`pragma max_page_count = ${Number(rows[0].page_count) + extraPages}`).execute(db);
}

/**
 * An ext4 file system of the spec's own, on a loop device, mounted `errors=remount-ro` as many servers' disks are:
 * `turnReadOnly()` makes the kernel record a file-system error (ext4's trigger_fs_error), and the file system turns
 * read-only under the files the desk holds open (EROFS), as a disk does that fails under a running service. An
 * operator must check it before it is writable again, so there is no way back here. Null where this process may not
 * make or mount one (not root, no loop devices, no ext4 tools), and the spec says it is skipped.
 */
export class ReadOnlyTurningDisk {
  private constructor(
    readonly path: string,
    private readonly image: string,
    private readonly device: string,
  ) {}

  static tryMount(megabytes: number): ReadOnlyTurningDisk | null {
    const path = mkdtempSync(join(tmpdir(), 'desk-ext4-'));
    const image = `${path}.img`;
    try {
      execFileSync('truncate', ['-s', `${megabytes}M`, image], { stdio: 'ignore' });
      execFileSync('mkfs.ext4', ['-q', '-F', image], { stdio: 'ignore' });
      execFileSync('mount', ['-o', 'loop,errors=remount-ro', image, path], { stdio: 'ignore' });
      const device = execFileSync('findmnt', ['-n', '-o', 'SOURCE', path], { encoding: 'utf8' }).trim();
      const disk = new ReadOnlyTurningDisk(path, image, device);
      if (!existsSync(disk.errorTrigger())) {
        disk.unmount();
        return null;
      }
      execFileSync('chmod', ['0700', path]);
      return disk;
    } catch {
      try {
        execFileSync('umount', ['-l', path], { stdio: 'ignore' });
      } catch {
        // Never mounted: nothing to undo but the files.
      }
      rmSync(path, { recursive: true, force: true });
      rmSync(image, { force: true });
      return null;
    }
  }

  folder(name: string): string {
    const path = join(this.path, name);
    mkdirSync(path, { recursive: true });
    return path;
  }

  turnReadOnly(): void {
    writeFileSync(this.errorTrigger(), 'the spec turns this disk read-only');
  }

  unmount(): void {
    try {
      execFileSync('umount', ['-l', this.path], { stdio: 'ignore' });
    } finally {
      rmSync(this.path, { recursive: true, force: true });
      rmSync(this.image, { force: true });
    }
  }

  private errorTrigger(): string {
    return `/sys/fs/ext4/${basename(this.device)}/trigger_fs_error`;
  }
}

/** A desk on embedded files of its own in `dataDir` (on a disk of the spec's own), with the specs' organisation. */
export async function embeddedDeskIn(dataDir: string): Promise<{ store: EventStore; readModels: ReadModelStore; desk: TestDesk }> {
  const store = await createEventStore({ dataDir });
  const readModels = await createReadModelStore({ dataDir });
  const desk = await TestDesk.start({ store, readModels });
  await seedOrganisation(desk);
  return { store, readModels, desk };
}

/** Stops what embeddedDeskIn started, whatever state the disk left it in. */
export async function stopEmbeddedDesk(started: { store: EventStore; readModels: ReadModelStore; desk: TestDesk }): Promise<void> {
  await started.desk.stop().catch(() => undefined);
  await started.store.close().catch(() => undefined);
  await started.readModels.close().catch(() => undefined);
}
