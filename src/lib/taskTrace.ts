/**
 * The per-task spans of a batch: one span per task under the current span, and under it one span per step the
 * task went through. The steps run once for the whole batch (one query, one send); this helper opens and closes the
 * matching step span of every task around them, so the services' decisions never carry span state.
 */
import type { TaskOutcome } from './queueTasks.ts';
import { currentSpan, type Span } from './tracing.ts';

/** What a step found for one task: metadata for its span, and the error that ended it there, if one did. */
export interface StepMark {
  metadata?: Record<string, unknown>;
  error?: unknown;
}

/** The step spans of some tasks, opened together and ended together. */
export interface OpenStep {
  /** Ends each task's step span; `marks` says what the step found for each. */
  end(marks?: ReadonlyMap<string, StepMark>): void;
  /** Ends each task's step span with `error` (a dependency failed for all of them). */
  fail(error: unknown): void;
}

export interface TaskTrace {
  /** Opens a step span named `step` for each of the tasks `ids`, for work that `step` cannot wrap. */
  begin(step: string, ids: readonly string[]): OpenStep;
  annotate(id: string, key: string, value: string | number | undefined): void;
  /**
   * Runs `work` once for the tasks `ids`, inside a step span named `step` for each; `marks` says, from its result,
   * what each task's step found. When `work` throws, every task's step records the error, and it is rethrown.
   */
  step<R>(
    step: string,
    ids: readonly string[],
    work: () => Promise<R>,
    marks?: (result: R) => ReadonlyMap<string, StepMark>,
  ): Promise<R>;
  /** Ends every task's span with its outcome (metadata `outcome`; a rejection an error, a retry a fault). */
  finish(outcomes: ReadonlyMap<string, TaskOutcome>): void;
}

export function traceTasks(name: string, ids: readonly string[]): TaskTrace {
  const parent = currentSpan();
  const spans = new Map<string, Span>(ids.map((id) => [id, parent.child(name)]));
  const flagged = new Set<string>();

  return {
    annotate(id, key, value) {
      spans.get(id)?.annotate(key, value);
    },

    begin(step, stepIds) {
      const open = new Map(
        stepIds.flatMap((id) => {
          const span = spans.get(id)?.child(step);
          return span ? [[id, span] as const] : [];
        }),
      );
      const flag = (id: string, span: Span, error: unknown) => {
        span.recordError(error);
        spans.get(id)?.recordError(error);
        flagged.add(id);
      };
      return {
        end(marks) {
          for (const [id, span] of open) {
            const mark = marks?.get(id);
            for (const [key, value] of Object.entries(mark?.metadata ?? {})) span.addMetadata(key, value);
            if (mark?.error !== undefined) flag(id, span, mark.error);
            span.close();
          }
        },
        fail(error) {
          for (const [id, span] of open) {
            flag(id, span, error);
            span.close();
          }
        },
      };
    },

    async step(step, stepIds, work, marks) {
      const open = this.begin(step, stepIds);
      let result: Awaited<ReturnType<typeof work>>;
      try {
        result = await work();
      } catch (error) {
        open.fail(error);
        throw error;
      }
      open.end(marks?.(result));
      return result;
    },

    finish(outcomes) {
      for (const [id, span] of spans) {
        const outcome = outcomes.get(id);
        span.addMetadata('outcome', outcome?.kind === 'done' ? outcome.result : (outcome?.kind ?? 'retry'));
        // A task whose step already recorded why it ended keeps that error; the others get their outcome's flag.
        if (!flagged.has(id) && outcome?.kind === 'reject') span.markStatus(400);
        if (!flagged.has(id) && outcome?.kind !== 'done' && outcome?.kind !== 'reject') span.markStatus(503);
        span.close();
      }
    },
  };
}
