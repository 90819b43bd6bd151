import type { ApprovalDecision, SubCallRecord } from '../../core/index.js';

/** One tool call of an agent turn, as `baton show --step` prints it. */
export interface TracedToolCall {
  call: number;
  tool: string;
  args: unknown;
  idempotencyKey: string;
  output?: unknown;
  error?: string;
  refused?: boolean;
  /** A gated call: waiting for a person, or what they decided. */
  approval?: { status: 'waiting' | 'approved' | 'rejected'; by?: string; reason?: string; edit?: unknown };
}

/** One model turn of an agent with the calls it made and the state around it. */
export interface TracedTurn {
  turn: number;
  sequence: number;
  model?: string;
  finishReason?: string;
  text: string;
  state?: { before: unknown; after?: unknown };
  tools?: string[];
  toolCalls: TracedToolCall[];
}

interface TurnRequest {
  turn?: number;
  state?: { before: unknown; after?: unknown };
  tools?: string[];
}
interface TurnResponse {
  model?: string;
  text?: string;
  finishReason?: string;
  toolCalls?: Array<{ toolCallId: string; toolName: string; input: unknown }>;
}
type ToolResult = { output?: unknown; error?: string; refused?: boolean; args?: unknown };

/** The turns of an agent step from its journaled sub-calls. */
export function agentTurns(runId: string, path: string, calls: SubCallRecord[]): TracedTurn[] {
  const bySequence = new Map(calls.map((call) => [call.sequence, call]));
  const turns: TracedTurn[] = [];
  for (const record of calls) {
    if (record.kind !== 'agent-turn') continue;
    const request = (record.request ?? {}) as TurnRequest;
    const response = (record.response ?? {}) as TurnResponse;
    const turn: TracedTurn = {
      turn: request.turn ?? turns.length + 1,
      sequence: record.sequence,
      text: response.text ?? '',
      toolCalls: [],
    };
    if (response.model !== undefined) turn.model = response.model;
    if (response.finishReason !== undefined) turn.finishReason = response.finishReason;
    if (request.state) turn.state = request.state;
    if (request.tools) turn.tools = request.tools;
    // The calls of a turn follow it in the journal; a gated call takes two more numbers.
    let sequence = record.sequence + 1;
    for (const modelCall of response.toolCalls ?? []) {
      while (bySequence.get(sequence)?.kind === 'agent-turn') sequence++;
      const traced: TracedToolCall = {
        call: sequence,
        tool: modelCall.toolName,
        args: modelCall.input,
        idempotencyKey: `${runId}:${path}:${sequence}`,
      };
      const result = bySequence.get(sequence);
      const asked = bySequence.get(sequence + 1);
      if (result?.kind === 'tool-call') Object.assign(traced, resultOf(result.response as ToolResult));
      if (asked?.kind === 'tool-approval-request') {
        const decision = bySequence.get(sequence + 2)?.response as ApprovalDecision | undefined;
        traced.approval = decision
          ? {
              status: decision.action === 'approve' ? 'approved' : 'rejected',
              by: decision.by,
              ...(decision.reason === undefined ? {} : { reason: decision.reason }),
              ...(decision.edit === undefined ? {} : { edit: decision.edit }),
            }
          : { status: 'waiting' };
        sequence += 2;
      }
      turn.toolCalls.push(traced);
      sequence++;
    }
    turns.push(turn);
  }
  return turns;
}

function resultOf(result: ToolResult): Partial<TracedToolCall> {
  if (result.error !== undefined)
    return { error: result.error, ...(result.refused ? { refused: true } : {}) };
  return { output: result.output };
}

/** The turns as text lines. */
export function describeTurns(turns: TracedTurn[], short: (value: unknown) => string): string[] {
  const lines: string[] = [];
  for (const turn of turns) {
    const state = turn.state
      ? ` · status ${statusOf(turn.state.before)}${turn.state.after === undefined ? '' : ` → ${statusOf(turn.state.after)}`}`
      : '';
    const finish = turn.finishReason && turn.finishReason !== 'stop' && turn.finishReason !== 'tool-calls';
    lines.push(
      `Turn ${turn.turn}${state}${turn.model ? ` · ${turn.model}` : ''}${finish ? ` · finish ${turn.finishReason}` : ''}`,
    );
    if (turn.tools) lines.push(`  offered: ${turn.tools.join(', ')}`);
    if (turn.text) lines.push(`  said: ${short(turn.text)}`);
    for (const call of turn.toolCalls) {
      lines.push(`  call ${call.call} ${call.tool} ${short(call.args)}  key ${call.idempotencyKey}`);
      if (call.approval) {
        const { status, by, reason } = call.approval;
        const edited = call.approval.edit === undefined ? '' : ` with edit ${short(call.approval.edit)}`;
        lines.push(`    approval: ${status}${by ? ` by ${by}` : ''}${edited}${reason ? `: ${reason}` : ''}`);
      }
      if (call.error !== undefined) lines.push(`    ${call.refused ? 'refused' : 'error'}: ${call.error}`);
      else if ('output' in call) lines.push(`    result: ${short(call.output)}`);
    }
  }
  return lines;
}

function statusOf(state: unknown): string {
  const status = (state as { status?: unknown } | null)?.status;
  return status === undefined ? '(no status)' : String(status);
}
