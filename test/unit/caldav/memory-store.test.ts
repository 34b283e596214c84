import { MemoryCalendarStore } from '../../../src/caldav/memory-store.js';
import { describeCalendarStoreContract } from '../../contract/calendar-store.contract.js';

describeCalendarStoreContract('memory', async () => new MemoryCalendarStore());
