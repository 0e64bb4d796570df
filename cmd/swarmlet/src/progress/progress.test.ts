import { describe, expect, it } from 'vitest';
import { task } from '../testing/fixtures.js';
import { computeProgress } from './converge.js';
import { changedLines, progressBar, renderProgress, slotLine, ttyFrame } from './render.js';

const later = '2026-01-01T00:01:00.000Z';

describe('computeProgress', () => {
  it('is converged when every slot runs a desired task', () => {
    const p = computeProgress(2, [task('a', 1, 'running'), task('b', 2, 'running')]);
    expect(p).toMatchObject({ running: 2, replicas: 2, extraRunning: 0, converged: true });
  });

  it('is not converged while a slot is missing or starting', () => {
    const p = computeProgress(3, [task('a', 1, 'running'), task('b', 2, 'starting')]);
    expect(p.converged).toBe(false);
    expect(p.running).toBe(1);
    expect(p.slots.map((s) => s.state)).toEqual(['running', 'starting', undefined]);
  });

  it('waits for tasks of removed slots (scale down) and old specs (update) to stop', () => {
    const scaledDown = [task('a', 1, 'running'), task('b', 2, 'running', { desired: 'shutdown' })];
    expect(computeProgress(1, scaledDown)).toMatchObject({ extraRunning: 1, converged: false });
    const stopped = [task('a', 1, 'running'), task('b', 2, 'shutdown', { desired: 'shutdown' })];
    expect(computeProgress(1, stopped).converged).toBe(true);
  });

  it('shows the current task of a slot and the error of its failed attempts', () => {
    const tasks = [
      task('old', 1, 'rejected', { desired: 'shutdown', err: 'No such image: x' }),
      task('new', 1, 'pending', { createdAt: later }),
    ];
    expect(computeProgress(1, tasks).slots).toEqual([
      { slot: 1, state: 'pending', err: 'No such image: x' },
    ]);
  });

  it('forgets errors of an older spec and of a slot that now runs', () => {
    const old = task('old', 1, 'rejected', { desired: 'shutdown', err: 'boom' });
    const pending = task('new', 1, 'pending', { createdAt: later, specVersion: 2 });
    expect(computeProgress(1, [old, pending]).slots[0]?.err).toBe('');
    const running = task('new', 1, 'running', { createdAt: later });
    expect(computeProgress(1, [old, running]).slots[0]?.err).toBe('');
  });

  it('counts zero replicas with nothing running as converged', () => {
    expect(computeProgress(0, []).converged).toBe(true);
  });
});

describe('rendering', () => {
  it('draws docker-sized bars', () => {
    expect(progressBar('running')).toBe(`[${'='.repeat(50)}>]`);
    expect(progressBar('new')).toBe(`[${'='.repeat(6)}>${' '.repeat(44)}]`);
    expect(progressBar('failed')).toBe('');
    expect(progressBar(undefined)).toBe(`[>${' '.repeat(50)}]`);
  });

  it('renders slot lines with the error after the bar', () => {
    expect(slotLine({ slot: 1, state: 'running', err: '' }, 15)).toBe(
      `1/15: running   [${'='.repeat(50)}>]`,
    );
    expect(slotLine({ slot: 2, state: 'rejected', err: 'No such image' }, 2)).toBe(
      '2/2: rejected  No such image',
    );
  });

  it('renders the whole frame', () => {
    const p = computeProgress(2, [
      task('a', 1, 'running'),
      task('b', 3, 'running', { desired: 'shutdown' }),
    ]);
    const lines = renderProgress(p);
    expect(lines[0]).toBe('overall progress: 1 out of 2 tasks');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('waiting for 1 task(s) to shut down');
  });

  it('redraws in place on a TTY and cuts lines to the width', () => {
    expect(ttyFrame(0, ['a', 'b'], 80)).toBe('\x1b[Ja\nb\n');
    expect(ttyFrame(2, ['abcdef'], 4)).toBe('\x1b[2A\x1b[Jabc\n');
  });

  it('prints only changed lines when not on a TTY', () => {
    expect(changedLines(['x', 'y'], ['x', 'z'])).toEqual(['z']);
  });
});

describe('computeProgress with the current task spec (service update)', () => {
  it('is not converged while a slot still runs a task of an older spec', () => {
    const a = task('a', 1, 'running');
    const oldSpec = a.spec;
    const newSpec = { ...oldSpec, container: { ...oldSpec.container, image: 'img:2' } };
    expect(computeProgress(1, [a], oldSpec).converged).toBe(true);
    const p = computeProgress(1, [a], newSpec);
    expect(p.converged).toBe(false);
    expect(p.extraRunning).toBe(1);
    const b = { ...task('b', 1, 'running'), spec: newSpec };
    const aStopped = {
      ...a,
      desiredState: 'shutdown' as const,
      status: { ...a.status, state: 'shutdown' as const },
    };
    expect(computeProgress(1, [aStopped, b], newSpec).converged).toBe(true);
  });
});
