import { buildApi } from '@swarmlet/api';
import { FakeControlApi } from '@swarmlet/api/testing';
const fake = new FakeControlApi({ autoAdvance: true, rejectImage: (i) => i.startsWith('bad') });
const app = buildApi({ control: fake });
await app.listen({ path: '/tmp/sw.sock' });
console.log('listening');
