import type { RunRecord, WorkflowDefinition } from '../core/index.js';
import type { DistributedRuns } from '../distributed/index.js';
import type { PostgresStore } from '../store/postgres/index.js';
import { isPostgresUrl, postgresTarget } from './open-store.js';

/** The distributed runs of a `postgres://` journal, for the commands that hand work to workers. */
export interface OpenedDistributed {
  runs: DistributedRuns;
  store: PostgresStore;
  connectionString: string;
  /** The graphile-worker schema, when not the default. */
  queueSchema: string | undefined;
  close(): Promise<void>;
}

/**
 * Opens the journal and the queue of `--db postgres://...` (`?queue-schema=name` picks the
 * graphile-worker schema). `pg` and graphile-worker are loaded only here. `definitionFor` finds
 * the definitions (with their functions) of versions not among `workflows`, as `baton serve` does.
 */
export async function openDistributed(
  db: string,
  workflows: readonly WorkflowDefinition[] = [],
  definitionFor?: (run: RunRecord) => WorkflowDefinition | undefined,
): Promise<OpenedDistributed> {
  const url = new URL(db);
  const queueSchema = url.searchParams.get('queue-schema') ?? undefined;
  url.searchParams.delete('queue-schema');
  const target = postgresTarget(url.toString());
  const [{ createPostgresStore }, { createDistributedRuns }] = await Promise.all([
    import('../store/postgres/index.js'),
    import('../distributed/index.js'),
  ]);
  const store = await createPostgresStore(target);
  try {
    const runs = await createDistributedRuns({
      store,
      connectionString: target.connectionString,
      workflows,
      ...(queueSchema === undefined ? {} : { queueSchema }),
      ...(definitionFor ? { definitionFor } : {}),
    });
    return {
      runs,
      store,
      connectionString: target.connectionString,
      queueSchema,
      close: () => store.close(),
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/**
 * The distributed runs when `--db` is PostgreSQL and the run was started for workers (`baton run
 * --detach`), else undefined: such a run is decided, cancelled and resumed by enqueueing, never
 * by running it here.
 */
export async function distributedFor(
  db: string | undefined,
  runId: string,
): Promise<OpenedDistributed | undefined> {
  if (!isPostgresUrl(db)) return undefined;
  const opened = await openDistributed(db);
  if (await opened.runs.isDistributed(runId)) return opened;
  await opened.close();
  return undefined;
}
