import { storeContract } from '../../test/store-contract';
import { MemoryStore } from './memory.store';

storeContract('memory', async () => new MemoryStore());
