import { describe, expect, it } from 'vitest';
import { makeWorkspace, runCli, runIdOf, runResultOf } from './cli-harness.js';

const refund = `name: refund
steps:
  - id: draft
    kind: llm
    prompt: "Draft a refund email"
  - id: review
    kind: approval
    subject:
      email: "{{ steps.draft }}"
    instructions: Check the email before it is sent
  - id: send
    kind: transform
    value: "'sent: ' & steps.review.email"
`;

describe('baton approve and baton reject', () => {
  it('exits 3 while a run waits, then approves it with edits from another process and finishes it', async () => {
    const cwd = makeWorkspace({
      'refund.yaml': refund,
      'edited.json': JSON.stringify({ email: 'Dear customer, here is your refund.' }),
    });
    const waiting = await runCli(['run', 'refund.yaml'], { cwd });
    expect(waiting.code).toBe(3);
    const id = runIdOf(waiting.stdout);
    expect(waiting.stdout).toContain(`Run ${id} is waiting for approval of review`);
    expect(waiting.stdout).toContain(`approve: baton approve ${id} review`);
    const listed = JSON.parse(
      (await runCli(['runs', '--status', 'waiting', '--json'], { cwd })).stdout,
    ) as Array<{ id: string }>;
    expect(listed.map((run) => run.id)).toEqual([id]);

    const approved = await runCli(
      ['approve', id, 'review', '--edit', 'edited.json', '--comment', 'friendlier', '--by', 'ana'],
      { cwd },
    );
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain('approval-response review approved by ana with edits');
    expect(approved.stdout).toContain('"send": "sent: Dear customer, here is your refund."');
    const shown = JSON.parse((await runCli(['show', id, '--json'], { cwd })).stdout) as {
      run: { status: string };
    };
    expect(shown.run.status).toBe('succeeded');
  });

  it('rejects a waiting run with a reason; the run fails with APPROVAL_REJECTED', async () => {
    const cwd = makeWorkspace({ 'refund.yaml': refund });
    const id = runIdOf((await runCli(['run', 'refund.yaml'], { cwd })).stdout);
    const rejected = await runCli(
      ['reject', id, 'review', '--reason', 'wrong amount', '--by', 'ana', '--json'],
      { cwd },
    );
    expect(rejected.code).toBe(1);
    expect(runResultOf(rejected.stdout)).toMatchObject({
      runId: id,
      status: 'failed',
      error: { code: 'APPROVAL_REJECTED' },
    });
  });

  it('points a rejected run at replay, not at a resume that would meet the same rejection', async () => {
    const cwd = makeWorkspace({ 'refund.yaml': refund });
    const id = runIdOf((await runCli(['run', 'refund.yaml'], { cwd })).stdout);
    const rejected = await runCli(['reject', id, 'review', '--reason', 'wrong amount', '--by', 'ana'], {
      cwd,
    });
    expect(rejected.code).toBe(1);
    expect(rejected.stdout).toContain(`baton replay ${id} --from review`);
    expect(rejected.stdout).not.toContain('baton resume');
    const again = await runCli(['approve', id, 'review', '--by', 'bo'], { cwd });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('was already rejected by ana');
  });

  it('exits 2 when the step is not waiting for approval', async () => {
    const cwd = makeWorkspace({ 'refund.yaml': refund });
    const id = runIdOf((await runCli(['run', 'refund.yaml'], { cwd })).stdout);
    const result = await runCli(['approve', id, 'draft'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is not waiting for approval');
    expect(result.stderr).toContain('Waiting approvals: review.');
  });

  it('needs --reason to reject', async () => {
    const cwd = makeWorkspace();
    const result = await runCli(['reject', 'run_x', 'review'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("required option '--reason <text>' not specified");
  });

  it('cancels a waiting run so that it no longer waits', async () => {
    const cwd = makeWorkspace({ 'refund.yaml': refund });
    const id = runIdOf((await runCli(['run', 'refund.yaml'], { cwd })).stdout);
    const cancelled = await runCli(['cancel', id], { cwd });
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toContain(`Run ${id} cancelled. Resume it with: baton resume ${id}`);
    const runs = JSON.parse((await runCli(['runs', '--json'], { cwd })).stdout) as Array<{ status: string }>;
    expect(runs[0]?.status).toBe('cancelled');
    const again = await runCli(['cancel', id], { cwd });
    expect(again.stdout).toContain('has already ended (cancelled); nothing to cancel.');
  });
});
