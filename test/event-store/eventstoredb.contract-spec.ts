import { EsdbEventStore } from '@desk/event-store';
import { describeSkipped } from '../support/describe-skipped';
import { describeEventStoreContract } from './event-store.contract';

const url = process.env.EVENTSTORE_URL;

if (!url || !url.startsWith('esdb')) {
  describeSkipped(
    'EventStoreDB event store contract',
    'EVENTSTORE_URL (esdb://…) is not set; no EventStoreDB server can run on the build machines',
  );
} else {
  // Streams are named afresh per spec, so the suite runs against a server that already holds data.
  describeEventStoreContract('EventStoreDB', async () => {
    const store = EsdbEventStore.connect(url);
    return { store, openAnother: async () => EsdbEventStore.connect(url), cleanup: () => store.close() };
  });
}
