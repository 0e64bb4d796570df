import {
  NODE_AVAILABILITIES,
  type NodeAvailability,
  type NodeUpdateRequest,
} from '@swarmlet/api-types';
import { invalidFlag } from '../errors.js';
import { oneOf } from './service-flags.js';
import { parseLabels } from './words.js';

/** `node update` options as commander hands them over. */
export interface NodeUpdateFlags {
  availability?: string;
  labelAdd?: string[];
  labelRm?: string[];
}

/**
 * `node update` flags to the request; pure. Only given flags are sent: the daemon changes just
 * those fields (labels are added before `--label-rm` removes), so no version is needed.
 * `--label-add` takes `K=V` or `K` (empty value), as docker does.
 */
export function nodeUpdateRequest(f: NodeUpdateFlags): NodeUpdateRequest {
  const req: NodeUpdateRequest = {};
  if (f.availability !== undefined) {
    req.availability = oneOf<NodeAvailability>(
      '--availability',
      f.availability,
      NODE_AVAILABILITIES,
    );
  }
  if (f.labelAdd?.length) req.labelAdd = parseLabels('--label-add', f.labelAdd);
  if (f.labelRm?.length) {
    for (const key of f.labelRm) {
      if (key.trim() === '' || key.includes('=')) {
        throw invalidFlag('--label-rm', key, 'expected a label key');
      }
    }
    req.labelRm = [...f.labelRm];
  }
  return req;
}
