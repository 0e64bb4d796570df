import type { Info } from '@swarmlet/api-types';
import { describe, expect, it } from 'vitest';
import { formatTokenTable } from './tokens.js';
import { initMessage, joinAddr, joinInstructions } from './swarm.js';

const info: Info = {
  version: '0.1.0',
  nodeId: 'n1',
  clusterId: 'c1',
  state: 'active',
  role: 'manager',
  managers: 1,
  nodes: 1,
  services: 0,
  tasks: { running: 0, total: 0 },
  engine: { version: '27.0.3', apiVersion: '1.46' },
  dataDir: '/var/lib/swarmlet',
  addr: '10.0.0.1:4242',
};

describe('join instructions', () => {
  it('prints the join command like docker swarm join-token', () => {
    expect(joinInstructions('manager', 'SWLTKN-1-m', '10.0.0.1:4242')).toBe(
      'To add a manager to this cluster, run the following command:\n\n' +
        '    swarmlet join --token SWLTKN-1-m 10.0.0.1:4242\n\n',
    );
  });

  it('uses the node address, else a known manager, else a placeholder', () => {
    expect(joinAddr(info)).toBe('10.0.0.1:4242');
    expect(joinAddr({ ...info, addr: '', managerAddrs: ['10.0.0.9:4242'] })).toBe('10.0.0.9:4242');
    expect(joinAddr({ ...info, addr: undefined })).toBe('MANAGER_ADDR:4242');
  });

  it('prints the worker command and the manager hint after init', () => {
    expect(initMessage(info, 'SWLTKN-1-w')).toBe(
      'Cluster initialized: current node (n1) is now a manager.\n\n' +
        'To add a worker to this cluster, run the following command:\n\n' +
        '    swarmlet join --token SWLTKN-1-w 10.0.0.1:4242\n\n' +
        "To add a manager to this cluster, run 'swarmlet join-token manager' and follow the instructions.\n",
    );
  });
});

describe('formatTokenTable', () => {
  it('lists tokens by name with their age', () => {
    const now = new Date('2026-01-01T02:00:00.000Z');
    const out = formatTokenTable(
      [
        {
          id: 'bbbbbbbbbbbb',
          name: 'deploy',
          role: 'admin',
          createdAt: '2026-01-01T01:00:00.000Z',
        },
        { id: 'aaaaaaaaaaaa', name: 'ci', role: 'readonly', createdAt: '2026-01-01T01:59:30.000Z' },
      ],
      now,
    );
    expect(out.split('\n')).toEqual([
      'ID             NAME      ROLE       CREATED',
      'aaaaaaaaaaaa   ci        readonly   30 seconds ago',
      'bbbbbbbbbbbb   deploy    admin      About an hour ago',
      '',
    ]);
  });
});
